"""A Kertas Kerja written the way offices write theirs, by chat through the fake Bot API: the
Program and Kegiatan rows of the tree without indicators of their own (structure rows), a
program with its own outcome indicator, a figure never reported; then the recap, read back."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlmodel import select

from core.kertas_kerja import GUIDE_SHEET
from fakeapi import FakeTelegram
from storage.models import Indicator, IndicatorUnit
from tests import kinerja_flow
from tests.conftest import OPD1, Bot
from tests.kinerja_flow import XLSX, kertas_kerja, kk_row, kk_structure
from tests.test_cycle_e2e import people
from tests.test_golden import analysis_counts, rekap_rows

ANI, BUDI = "199003032015032005", "199104042016041006"
P, K, S = "Program", "Kegiatan", "Sub Kegiatan"
PROGRAM, KEGIATAN = "Program Penempatan Tenaga Kerja", "Pelatihan Berbasis Kompetensi"
SUB1, SUB2 = "Pelatihan Keterampilan Pencari Kerja", "Pengawasan Keselamatan Kerja"
ROWS = [
    # Program 1.02 states its outcome indicator; its kegiatan is only a place in the tree.
    kk_row(P, "1.02", PROGRAM, "Persentase pencari kerja ditempatkan", ANI, tahunan=80),
    kk_structure(K, "1.02.01", KEGIATAN),
    kk_structure(S, "1.02.01.0001", SUB1, pagu=100_000_000, realisasi_anggaran=80_000_000),
    kk_row(S, "1.02.01.0001", SUB1, "Jumlah dokumen standar pelatihan", BUDI, satuan="dokumen",
           tahunan=10),
    kk_row(S, "1.02.01.0002", SUB2, "Jumlah pelatihan luar jadwal", BUDI, satuan="kegiatan",
           tahunan=0),
    kk_row(S, "1.02.01.0002", SUB2, "Jumlah perusahaan diawasi", BUDI, satuan="perusahaan",
           tahunan=20),
    # Program 1.03 has no indicator of its own: it takes the mean of its kegiatan.
    kk_structure(P, "1.03", "Program Hubungan Industrial"),
    kk_row(K, "1.03.01", "Penyelesaian Perselisihan", "Persentase perselisihan selesai", ANI,
           tahunan=10),
]  # fmt: skip


async def test_structure_rows_own_indicators_and_a_missing_figure_by_chat(
    tg: FakeTelegram, bot: Bot, clock
):
    _admin, kd, sek, tim1, tim2, ani, budi = await people(tg)

    # The template's Petunjuk explains the two kinds of row.
    await tim2.send("/template")
    template = load_workbook(BytesIO((await tim2.next_message()).document.content))
    guide = " ".join(
        str(c.value) for line in template[GUIDE_SHEET].iter_rows() for c in line if c.value
    )
    assert "Baris struktur: isi hanya Level, Kode dan Nama" in guide

    await kinerja_flow.open_to_step4(kd, sek, tim1, "Triwulan I 2025")
    await tim2.expect("Langkah 4: tugas baru")

    # A PIC typed on the program's structure row: one error that says how to fix it, not eight.
    slip = [row[:] for row in ROWS]
    slip[6][18] = ANI
    await tim2.send_document(kertas_kerja(slip), "kk.xlsx", XLSX)
    refused = await tim2.expect("belum dapat diimpor")
    assert "1 kesalahan" in refused.plain
    assert (
        'Sheet Data, baris 8, kolom "Indikator": Indikator kosong, tetapi kolom "PIC (NIP)" '
        "terisi. Isi Indikator bila baris ini indikator; bila baris ini hanya menempatkan "
        "program/kegiatan/sub kegiatan dalam pohon (baris struktur), kosongkan kolom-kolom itu."
    ) in refused.plain
    assert "wajib diisi" not in refused.plain

    imported = await kinerja_flow.upload_kertas_kerja(tim2, kertas_kerja(ROWS))
    assert "5 indikator, 2 program, 2 PIC; 3 baris struktur (tanpa indikator)" in imported.plain
    async with bot.office.db.session(OPD1) as session:
        units = (await session.exec(select(IndicatorUnit))).all()
        assert len(units) == 6
        assert len((await session.exec(select(Indicator))).all()) == 5
    await kinerja_flow.finish(tim2, imported, 4)

    # Nobody reports for a structure row: each PIC's list holds only real indicators.
    lists = {
        who.id: (await who.expect("Langkah 5: laporkan realisasi")).plain for who in (ani, budi)
    }
    assert "Anda PIC untuk 2 indikator:\n• 1.02 Persentase" in lists[ani.id]
    assert "Anda PIC untuk 3 indikator:\n• 1.02.01.0001 Jumlah dokumen" in lists[budi.id]
    assert KEGIATAN not in lists[ani.id] + lists[budi.id]
    await kinerja_flow.report(ani, "1.02", "60")
    await kinerja_flow.report(ani, "1.03.01", "9")
    await kinerja_flow.report(budi, "1.02.01.0001", "12")
    await kinerja_flow.report(budi, "1.02.01.0002#1", "3")

    # Tim SAKIP closes reporting: 1.02.01.0002#2 is recorded without a figure.
    await tim1.send("/tutup_lapor")
    ask = await tim1.expect("Tutup pelaporan realisasi")
    assert "• 1.02.01.0002#2" in ask.plain
    await tim1.press("🔒 Ya, tutup pelaporan", ask)
    await tim1.expect("ditutup")
    cards, _ = await kinerja_flow.validate_all(tim1)
    assert len(cards) == 4

    workbook, _chart, _stored = await kinerja_flow.recap(tim1)
    done = next(e for e in tim1.edits if "Rekap periode Triwulan I 2025 selesai" in e.plain)
    assert "5 indikator, 3 dengan capaian, 1 N/A (tanpa capaian), 1 tidak dilaporkan." in done.plain
    wb = load_workbook(BytesIO(workbook.document.content))
    tree = rekap_rows(wb)
    assert list(tree) == ["1.02", "1.02.01", "1.02.01.0001", "1.02.01.0002", "1.03", "1.03.01"]
    shown = {
        code: (
            row["Capaian (%)"],
            row["Predikat"],
            row["Capaian Indikator Sendiri (%)"],
            row["Rata-rata Capaian di Bawahnya (%)"],
            row["Jumlah Indikator"],
            row["Indikator N/A"],
            row["Tidak Dilaporkan"],
        )
        for code, row in tree.items()
    }
    assert shown == {
        # The program's own indicator (60/80) gives its predikat; its kegiatan's mean beside.
        "1.02": (75, "Sedang", 75, 120, 4, 1, 1),
        # A structure kegiatan: the mean of its sub kegiatan with a capaian.
        "1.02.01": (120, "Sangat Tinggi", None, 120, 3, 1, 1),
        "1.02.01.0001": (120, "Sangat Tinggi", 120, None, 1, 0, 0),
        # Target 0 is N/A, the unreported one is counted apart: no capaian either way.
        "1.02.01.0002": (None, "N/A", None, None, 2, 1, 1),
        "1.03": (90, "Tinggi", None, 90, 1, 0, 0),
        "1.03.01": (90, "Tinggi", 90, None, 1, 0, 0),
    }
    assert tree["1.02"]["Dasar Capaian dan Predikat"] == (
        "indikator sendiri (1 indikator); bukan rata-rata kegiatan di bawahnya"
    )
    assert tree["1.03"]["Dasar Capaian dan Predikat"] == (
        "rata-rata kegiatan di bawahnya (1 kegiatan); tanpa indikator sendiri"
    )
    assert tree["1.02.01"]["Pagu (Rp)"] == 100_000_000  # the structure row's pagu adds up
    assert analysis_counts(wb) == (3, 1, 1, 5)
    reasons = {
        r[2]: r[5] for r in wb["Analisis"].iter_rows(values_only=True) if r and len(r) > 5 and r[5]
    }
    assert reasons["Jumlah pelatihan luar jadwal"] == "N/A (target 0)"
    assert reasons["Jumlah perusahaan diawasi"] == "Tidak dilaporkan (tanpa realisasi)"
