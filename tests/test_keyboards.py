"""The button that opens each step: the same for /tugas and for reminders."""

from __future__ import annotations

import pytest

from bot.keyboards import for_outbox, open_step, tasks
from core.views import Task


def data(markup) -> list[list[tuple[str, str]]]:
    return [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]


@pytest.mark.parametrize(
    ("step_no", "expected"),
    [
        (2, [[("✅ Selesaikan langkah", "fin:30")]]),  # a document step: finish after upload
        (4, [[("📄 Ambil template Kertas Kerja", "tpl")]]),
        (5, [[("📝 Lapor realisasi", "lpgo")]]),
        (6, [[("🔎 Mulai evaluasi", "evgo:7")]]),
        (7, [[("📊 Susun rekap", "rk:7")]]),
        (9, [[("✅ Setuju", "ok:30"), ("↩️ Tolak", "no:30")]]),  # the run: one round's draft
        (10, [[("📤 Kirim ke Kepala Dinas", "fin:30")]]),
    ],
)
def test_reminders_carry_the_button_that_opens_the_step(step_no: int, expected: list) -> None:
    payload = {"step_no": step_no, "period_id": 7, "run_id": 30}
    assert data(open_step(step_no, 7, 30)) == expected
    assert data(for_outbox("reminder", payload)) == expected
    assert data(for_outbox("headsup", payload)) == expected


def test_a_document_step_just_opened_has_no_finish_button_yet() -> None:
    assert for_outbox("step_opened", {"step_no": 2, "period_id": 7, "run_id": 30}) is None


def test_tugas_names_the_period_on_each_button_when_several_wait() -> None:
    one = Task("Triwulan I 2025", 7, 9, 30, None, 0, ())
    two = Task("Triwulan II 2025", 8, 2, 41, None, 0, ())
    assert data(tasks([one])) == [[("✅ Setuju", "ok:30"), ("↩️ Tolak", "no:30")]]
    assert data(tasks([one, two])) == [
        [("✅ Setuju · Triwulan I 2025", "ok:30"), ("↩️ Tolak · Triwulan I 2025", "no:30")],
        [("✅ Selesaikan langkah · Triwulan II 2025", "fin:41")],
    ]
    assert tasks([]) is None
