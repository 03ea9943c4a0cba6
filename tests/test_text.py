"""Pure text helpers: names before a full stop, shortened button labels, period names typed."""

from __future__ import annotations

from bot.keyboards import LABEL, label
from core.text import full_stop, shorten
from core.views import ArchiveEntry, match_periods


def test_a_name_ending_in_a_full_stop_takes_no_second_one():
    assert full_stop("Budi Santoso, S.E.") == ""
    assert full_stop("Budi Santoso") == "."


def test_labels_stay_whole_or_are_cut_at_a_word():
    assert shorten("Nota Dinas.pdf", 20) == "Nota Dinas.pdf"
    long = "Rekapitulasi Hasil Pengukuran Data Kinerja.xlsx"
    assert shorten(long, 30) == "Rekapitulasi Hasil Pengukuran…"
    assert shorten(long, 28) == "Rekapitulasi Hasil…"
    assert shorten("Rekapitulasi_Hasil_Pengukuran.xlsx", 12) == "Rekapitulas…"
    assert shorten("Laporan — Triwulan I 2025", 12) == "Laporan…"


def test_a_label_keeps_its_kode_whole_within_the_button_limit():
    text = label("Langkah 10, putaran 3: ", "Lampiran " * 20)
    assert text.startswith("Langkah 10, putaran 3: Lampiran")
    assert text.endswith("…") and len(text) <= LABEL


def test_a_period_is_found_by_its_name_in_any_case_or_spelling():
    entries = [
        ArchiveEntry(3, "Triwulan I 2025", "berjalan", None),
        ArchiveEntry(2, "Triwulan II 2025", "dibatalkan", None),
        ArchiveEntry(1, "Triwulan I 2025", "dibatalkan", None),
    ]
    assert [e.period_id for e in match_periods(entries, "tw 1 2025")] == [3, 1]
    assert [e.period_id for e in match_periods(entries, "triwulan  II 2025")] == [2]
    assert [e.period_id for e in match_periods(entries, "2025")] == [3, 2, 1]
    assert match_periods(entries, "Tahunan 2024") == []
