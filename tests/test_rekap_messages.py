"""What /rekap says: every number Indonesian, and what to do next said once."""

from __future__ import annotations

from decimal import Decimal

from bot.messages_data import recap_done, recap_next
from core.recap import RecapFiles, Stored
from fakeapi.entities import parse_html

FILES = RecapFiles(
    period_id=1,
    period="Triwulan <I> 2025",
    workbook=b"",
    chart=b"",
    file_name="r.xlsx",
    chart_name="g.png",
    indicators=10_000,
    with_capaian=9_876,
    averages=(("1.02", Decimal("85.5")), ("1.03", None)),
)


def plain(html: str) -> str:
    text, _ = parse_html(html)
    return text


def test_the_summary_uses_the_decimal_comma_for_every_number() -> None:
    text = plain(recap_done(FILES, 0.66))
    assert "Rekap periode Triwulan <I> 2025 selesai (0,7 detik)" in text
    assert "10.000 indikator, 9.876 dengan capaian" in text
    assert "• Program 1.02: 85,50%" in text and "• Program 1.03: N/A" in text
    assert "Selesaikan" not in text  # the next step is the closing message's alone
    assert len(text) <= 4096


def test_the_closing_message_says_the_next_step_once() -> None:
    stored = Stored("Triwulan I 2025", 7, 5, (1, 2), ("r.xlsx", "g.png"), replaced=True)
    text = plain(recap_next(stored))
    assert text.count("Selesaikan") == 1
    assert "output Langkah 7 periode Triwulan I 2025 (menggantikan rekap sebelumnya)" in text
    assert "Selesaikan" not in plain(recap_next(None))
    assert "pratinjau" in plain(recap_next(None))
