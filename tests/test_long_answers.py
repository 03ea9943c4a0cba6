"""Answers that grow with what people typed stay within Telegram's limits: a rejection note of
2,000 `&` shown by /status (cut inside `&amp;` it made no answer at all), and /tolak naming
hundreds of codes that do not exist."""

from __future__ import annotations

from bot.messages_data import progress_text
from core.indicators.common import Progress, ReportItem
from fakeapi import FakeTelegram
from tests.conftest import Bot, Clock
from tests.test_dialog_answers import at_step_nine


async def test_status_shows_a_note_of_ampersands_in_valid_pages(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    sek, _ = await at_step_nine(tg, bot, clock)
    await sek.send("/tolak " + "&" * 1990)
    await sek.expect("dikembalikan ke Tim SAKIP")
    await sek.send("/status")
    first = await sek.expect("Triwulan I 2025")
    rest = [await sek.next_message() for _ in range(2)]
    assert all(len(m.text) <= 4096 for m in (first, *rest))
    assert "&" * 100 in "".join(m.plain for m in (first, *rest))


async def test_tolak_naming_hundreds_of_unknown_codes_says_how_many(
    tg: FakeTelegram, bot: Bot, clock: Clock
):
    sek, _ = await at_step_nine(tg, bot, clock)
    codes = ", ".join(f"9.{n}" for n in range(600))
    await sek.send(f"/tolak [{codes}] Perbaiki")
    refusal = await sek.expect("tidak ada di periode")
    assert "dan 590 lainnya" in refusal.plain and len(refusal.text) < 500


def test_progres_of_a_pic_with_thousands_of_indicators_fits_one_message():
    def item(n: int, status: str | None) -> ReportItem:
        return ReportItem(
            n, 1, "Triwulan I 2025", f"1.02.{n}", f"Indikator {n}", "orang", "10 orang",
            status, None, None, status is None,
        )  # fmt: skip

    mine = tuple(item(n, "valid" if n % 2 else None) for n in range(2000))
    (text,) = progress_text(Progress("Triwulan I 2025", 5, mine, (), False))
    assert "belum/dikembalikan: 1000" in text and "… dan 1960 lainnya" in text
    assert text.count("▫️") == 40 and "✅" not in text  # those still to report come first
