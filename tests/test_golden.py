"""Golden test: a small Kertas Kerja computed by hand, through upload → reports → validation →
recap workbook, read back with openpyxl and every capaian checked against the hand values.

Two periods of 2025: Triwulan I (two indicators, validated) and Triwulan II (the full file).
Hand computation for Triwulan II, office defaults (cap 120, Permendagri 86/2017 bands,
negatif (2 − R/T) × 100):

| ikode          | rule                         | T        | R          | raw    | capped | predikat      |
|----------------|------------------------------|----------|------------|--------|--------|---------------|
| 1.02#1         | positif, nilai akhir TW II   | 80       | 60         | 75     | 75     | Sedang        |
| 1.02#2         | negatif, rentang 4,5–5       | 5 (atas) | 5,5        | 90     | 90     | Tinggi        |
| 1.02.01        | positif, kumulatif TW I–II   | 50+50    | 40+70=110  | 110    | 110    | Sangat Tinggi |
| 1.02.01.0001#1 | positif                      | 10       | 15         | 150    | 120    | Sangat Tinggi |
| 1.02.01.0001#2 | positif, target 0            | 0        | 3          | N/A    | N/A    | -             |
| 1.02.01.0002#1 | negatif, target 0 kasus      | 0        | 0          | 100    | 100    | Sangat Tinggi |
| 1.02.01.0002#2 | positif, tidak dilaporkan    | 20       | -          | N/A    | N/A    | -             |
| 1.03.01        | negatif                      | 10       | 12         | 80     | 80     | Tinggi        |

Tree (a unit with indicators of its own takes their mean; only one without takes its children's):
Sub 0001 = mean(120) = 120 (1 N/A); Sub 0002 = 100 (1 not reported); Kegiatan 1.02.01 = its own
indicator = 110 (its sub kegiatan, 110, beside it); Program 1.02 = mean of its own two = 82,5
(Tinggi; its kegiatan, 110, beside it); Kegiatan 1.03.01 = 80; Program 1.03 = its own indicator =
100 (its kegiatan, 80, beside it). Budget: 0001 pagu 100 jt, realisasi 80 jt → serapan 80,
efisiensi 120/80 = 1,5; 0002 50 jt / 50 jt → 100, 1; Kegiatan 1.02.01 150 jt / 130 jt → 86,67,
efisiensi 110 / 86,67 = 1,2692, Program 1.02 82,5 / 86,67 = 0,9519. Previous period
(Triwulan I): 1.02#1 50/80 = 62,5; 1.02.01 40/50 = 80.

The second case (Triwulan I 2026) is a Kertas Kerja written the way offices write theirs:
structure rows (no indicator) for Program 2.02, Kegiatan 2.01.02 and 2.02.01, Sub Kegiatan
2.02.01.0001 (with pagu, beside its indicator rows) and an empty Program 2.03; all figures nilai
akhir TW I, positif:

| ikode          | T  | R  | capped | predikat      |
|----------------|----|----|--------|---------------|
| 2.01#1         | 80 | 72 | 90     | Tinggi        |
| 2.01.01#1      | 100| 85 | 85     | Tinggi        |
| 2.01.01.0001#1 | 50 | 60 | 120    | Sangat Tinggi |
| 2.01.02.0001#1 | 20 | 14 | 70     | Sedang        |
| 2.01.02.0002#1 | 10 | 9  | 90     | Tinggi        |
| 2.02.01.0001#1 | 40 | 30 | 75     | Sedang        |
| 2.02.01.0001#2 | 0  | 2  | N/A    | -             |
| 2.02.02#1      | 60 | 66 | 110    | Sangat Tinggi |
| 2.02.02#2      | 60 | -  | -      | not reported  |

| unit         | own | children              | capaian (from)        | predikat      |
|--------------|-----|-----------------------|-----------------------|---------------|
| 2.01         | 90  | (85 + 80) / 2 = 82,5  | 90 (own)              | Tinggi        |
| 2.01.01      | 85  | 120                   | 85 (own)              | Tinggi        |
| 2.01.02      | -   | (70 + 90) / 2 = 80    | 80 (children)         | Tinggi        |
| 2.02         | -   | (75 + 110) / 2 = 92,5 | 92,5 (children)       | Sangat Tinggi |
| 2.02.01      | -   | 75                    | 75 (children)         | Sedang        |
| 2.02.01.0001 | 75  | -                     | 75 (own; 1 N/A)       | Sedang        |
| 2.02.02      | 110 | -                     | 110 (own; 1 missing)  | Sangat Tinggi |
| 2.03         | -   | -                     | none, 0 indicators    | N/A           |

Budget: 2.01.02.0002 40 jt / 30 jt and 2.02.01.0001 60 jt / 45 jt → serapan 75 everywhere up;
efisiensi 2.01 = 90/75 = 1,2, 2.01.02 = 80/75 = 1,0667, 2.02 = 92,5/75 = 1,2333.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from core import indicators, recap
from tests.conftest import OPD1
from tests.kinerja_core import ASN1, ASN2, TIM1, TIM2, Period, make
from tests.kinerja_flow import kertas_kerja, kk_row, kk_structure

A, B = "199003032015032005", "199104042016041006"
P, K, S = "Program", "Kegiatan", "Sub Kegiatan"
PENEMPATAN, PELATIHAN, SUB1, SUB2 = (
    "Program Penempatan Tenaga Kerja",
    "Pelatihan Berbasis Kompetensi",
    "Pelatihan Keterampilan Pencari Kerja",
    "Pengawasan Keselamatan Kerja",
)
PROGRAM2, KEGIATAN2 = "Program Hubungan Industrial", "Penyelesaian Perselisihan"

TW1_ROWS = [
    kk_row(P, "1.02", PENEMPATAN, "Persentase pencari kerja ditempatkan", A, tw=(80, 80, 80, 80)),
    kk_row(
        K, "1.02.01", PELATIHAN, "Jumlah peserta pelatihan", B,
        satuan="orang", tahunan=200, tw=(50, 50, 50, 50), konsolidasi="Kumulatif",
    ),
]  # fmt: skip

TW2_ROWS = [
    *TW1_ROWS,
    kk_row(
        P, "1.02", PENEMPATAN, "Tingkat pengangguran terbuka", A, tahunan="4,5-5",
        tw=("4,5-5",) * 4, polaritas="Negatif", tipe="Rentang",
    ),
    kk_row(
        S, "1.02.01.0001", SUB1, "Jumlah dokumen standar pelatihan", B, satuan="dokumen",
        tahunan=40, tw=(10, 10, 10, 10), pagu=100_000_000, realisasi_anggaran=80_000_000,
    ),
    kk_row(
        S, "1.02.01.0001", SUB1, "Jumlah pelatihan luar jadwal", B, satuan="kegiatan",
        tahunan=0, tw=(0, 0, 0, 0), pagu=100_000_000, realisasi_anggaran=80_000_000,
    ),
    kk_row(
        S, "1.02.01.0002", SUB2, "Jumlah kecelakaan kerja fatal", A, satuan="kasus",
        tahunan=0, tw=(0, 0, 0, 0), polaritas="Negatif", pagu=50_000_000,
        realisasi_anggaran=50_000_000,
    ),
    kk_row(S, "1.02.01.0002", SUB2, "Jumlah perusahaan diawasi", A, satuan="perusahaan",
           tahunan=80, tw=(20, 20, 20, 20)),
    kk_row(P, "1.03", PROGRAM2, "Persentase perselisihan selesai", A, tahunan=90),
    kk_row(K, "1.03.01", KEGIATAN2, "Jumlah kasus perselisihan tertunda", B, satuan="kasus",
           tahunan=10, tw=(10, 10, 10, 10), polaritas="Negatif"),
]  # fmt: skip
# 1.03#1 has no TW targets: it is measured against the annual target (90) and reported 90.

EXPECTED = {
    # kode shown: (target: a number, a range as text; realisasi compared, raw, capped, predikat)
    "1.02#1": (80, 60, 75, 75, "Sedang"),
    "1.02.01": (100, 110, 110, 110, "Sangat Tinggi"),
    "1.02#2": ("4,5–5", Decimal("5.5"), 90, 90, "Tinggi"),
    "1.02.01.0001#1": (10, 15, 150, 120, "Sangat Tinggi"),
    "1.02.01.0001#2": (0, 3, None, None, None),
    "1.02.01.0002#1": (0, 0, 100, 100, "Sangat Tinggi"),
    "1.02.01.0002#2": (20, None, None, None, None),
    "1.03": (90, 90, 100, 100, "Sangat Tinggi"),
    "1.03.01": (10, 12, 80, 80, "Tinggi"),
}
TREE = {
    # kode: (capaian, predikat, indicators, N/A, not reported, pagu, realisasi, serapan, efisiensi,
    #        own, children)
    "1.02": (
        "82.5", "Tinggi", 7, 1, 1, 150_000_000, 130_000_000, "86.6667", "0.9519", "82.5", 110,
    ),
    "1.02.01": (
        110, "Sangat Tinggi", 5, 1, 1, 150_000_000, 130_000_000, "86.6667", "1.2692", 110, 110,
    ),
    "1.02.01.0001": (
        120, "Sangat Tinggi", 2, 1, 0, 100_000_000, 80_000_000, "80", "1.5", 120, None,
    ),
    "1.02.01.0002": (100, "Sangat Tinggi", 2, 0, 1, 50_000_000, 50_000_000, "100", "1", 100, None),
    "1.03": (100, "Sangat Tinggi", 2, 0, 0, None, None, None, None, 100, 80),
    "1.03.01": (80, "Tinggi", 1, 0, 0, None, None, None, None, 80, None),
}  # fmt: skip


def rows_of(ws, header_row: int) -> list[dict]:
    values = list(ws.iter_rows(min_row=header_row, values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=False)) for row in values[1:] if any(row)]


def rekap_rows(wb) -> dict[str, dict]:
    return {r["Kode"]: r for r in rows_of(wb["Rekap"], 5) if r.get("Kode")}


def assert_tree(tree: dict[str, dict], expected: dict[str, tuple]) -> None:
    """Every Rekap row against its hand values, read by header."""
    assert set(tree) == set(expected)
    for code, values in expected.items():
        value, band, n, na, missing, pagu, real, spent, eff, own, below = values
        row = tree[code]
        assert close(row["Capaian (%)"], value), (code, row)
        assert row["Predikat"] == band, (code, row)
        counts = (row["Jumlah Indikator"], row["Indikator N/A"], row["Tidak Dilaporkan"])
        assert counts == (n, na, missing), (code, row)
        assert close(row["Pagu (Rp)"], pagu) and close(row["Realisasi Anggaran (Rp)"], real)
        assert close(row["Serapan (%)"], spent), (code, row)
        assert close(row["Efisiensi"], eff), (code, row)
        assert close(row["Capaian Indikator Sendiri (%)"], own), (code, row)
        assert close(row["Rata-rata Capaian di Bawahnya (%)"], below), (code, row)


def analysis_counts(wb) -> tuple[int, int, int, int]:
    """Section C's totals: with predikat, N/A, not reported, all indicators."""
    labels = {r[1]: r[2] for r in wb["Analisis"].iter_rows(values_only=True) if r and r[1]}
    return (
        labels["Jumlah berpredikat"],
        labels["N/A (tanpa capaian, mis. target 0)"],
        labels["Tidak dilaporkan (tanpa realisasi)"],
        labels["Jumlah indikator"],
    )


def close(value, expected) -> bool:
    if expected is None:
        return value is None
    return abs(Decimal(str(value)) - Decimal(str(expected))) < Decimal("0.0001")


async def test_golden_kertas_kerja_to_recap_workbook(tmp_path, clock):
    office = await make(tmp_path, clock)
    try:
        await _golden(office, clock)
    finally:
        await office.db.dispose()


async def _golden(office, clock) -> None:

    # Triwulan I: two indicators reported and validated; the kumulatif one carries into TW II.
    tw1 = await Period(office, clock).start("Triwulan I 2025")
    await tw1.to_reporting(kertas_kerja(TW1_ROWS))
    await tw1.report(ASN1, "1.02", "50")
    done = await tw1.report(ASN2, "1.02.01", "40")
    assert done.done is not None  # the last figure ends step 5
    assert len(await tw1.validate_all()) == 2

    tw2 = await Period(office, clock).start("Triwulan II 2025")
    await tw2.to_reporting(kertas_kerja(TW2_ROWS))
    await tw2.report(ASN1, "1.02#1", "60")
    await tw2.report(ASN1, "1.02#2", "5,5")
    kum = await tw2.report(ASN2, "1.02.01", "70")
    assert kum.preview.measured.compared == 110 and kum.preview.measured.capaian.raw == 110
    await tw2.report(ASN2, "1.02.01.0001#1", "15")
    await tw2.report(ASN2, "1.02.01.0001#2", "3")
    await tw2.report(ASN1, "1.02.01.0002#1", "0")
    await tw2.report(ASN1, "1.03", "90%")
    await tw2.report(ASN2, "1.03.01", "12")
    # 1.02.01.0002#2 is never reported: Tim SAKIP closes reporting, it is recorded as missing.
    closed = await indicators.close_reporting(office, TIM2, tw2.id)
    assert closed.step_no == 5 and closed.opened[0].step_no == 6
    # Tono is no PIC, so he may validate every figure.
    assert len(await tw2.validate_all(TIM1)) == 8

    files = await recap.build(office, tw2.id, "Tono Sugiarto", opd_id=OPD1)
    wb = load_workbook(BytesIO(files.workbook))
    assert wb.sheetnames == ["Rekap", "Kertas Kerja", "Analisis", "Kepatuhan SOP", "Info"]

    kk = {r["Kode"]: r for r in rows_of(wb["Kertas Kerja"], 5)}
    assert set(kk) == set(EXPECTED)
    for code, (target, realisasi, raw, capped, band) in EXPECTED.items():
        row = kk[code]
        assert row["Target"] == target, (code, row)
        assert close(row["Realisasi"], realisasi), (code, row)
        assert close(row["Capaian (%)"], raw), (code, row)
        assert close(row["Capaian Dibatasi (%)"], capped), (code, row)
        assert row["Predikat"] == (band or "N/A"), (code, row)
    assert "dibatasi 120" in kk["1.02.01.0001#1"]["Aturan / Rumus"]
    assert "kumulatif TW I–II" in kk["1.02.01"]["Aturan / Rumus"]
    assert "batas atas 5" in kk["1.02#2"]["Aturan / Rumus"]
    assert kk["1.02.01.0001#2"]["Keterangan N/A"] == "N/A (target 0)"
    assert kk["1.02.01.0002#2"]["Keterangan N/A"] == "belum ada realisasi"
    assert kk["1.02.01.0002#2"]["Status Validasi"] == "tidak ada realisasi"
    assert kk["1.02#1"]["Status Validasi"] == "valid"

    tree = rekap_rows(wb)
    assert_tree(tree, TREE)
    assert tree["1.02"]["Dasar Capaian dan Predikat"] == (
        "indikator sendiri (2 indikator); bukan rata-rata kegiatan di bawahnya"
    )

    analysis = [c for row in wb["Analisis"].iter_rows(values_only=True) for c in row]
    # Counts per predikat: Sangat Tinggi 4, Tinggi 2, Sedang 1, Rendah 0, Sangat Rendah 0.
    text = " ".join(str(c) for c in analysis if c is not None)
    assert "Triwulan I 2025" in text  # the previous period named in section D
    compare = {
        r[1]: r for r in wb["Analisis"].iter_rows(values_only=True) if r and r[1] in kk and r[4]
    }
    assert close(compare["1.02#1"][4], "62.5") and close(compare["1.02.01"][4], 80)
    per_band = {
        r[1]: r[2]
        for r in wb["Analisis"].iter_rows(values_only=True)
        if r
        and r[1] in ("Sangat Tinggi", "Tinggi", "Sedang", "Rendah", "Sangat Rendah")
        and isinstance(r[2], int)
    }
    assert per_band == {"Sangat Tinggi": 4, "Tinggi": 2, "Sedang": 1, "Rendah": 0,
                        "Sangat Rendah": 0}  # fmt: skip
    assert analysis_counts(wb) == (7, 1, 1, 9)

    info = [r for r in wb["Info"].iter_rows(values_only=True)]
    flat = " ".join(str(c) for r in info for c in r if c is not None)
    assert "Dinas Tenaga Kerja Kabupaten Mojokerto" in flat and "Tono Sugiarto" in flat
    assert "(2 − R/T) × 100" in flat  # the rule that produced the negative capaian
    assert "yang punya indikator sendiri = rata-rata biasa capaian indikatornya sendiri" in flat
    assert files.chart[:4] == b"\x89PNG"


STRUCTURED_ROWS = [
    kk_row(P, "2.01", "Program Peningkatan Kesempatan Kerja", "Tingkat penempatan", A, tahunan=80),
    kk_row(K, "2.01.01", "Pelayanan Antarkerja", "Persentase lowongan terisi", B),
    kk_row(S, "2.01.01.0001", "Bursa Kerja", "Jumlah pencari kerja ikut bursa", B,
           satuan="orang", tahunan=50),
    kk_structure(K, "2.01.02", "Perluasan Kesempatan Kerja"),
    kk_row(S, "2.01.02.0001", "Padat Karya", "Jumlah tenaga kerja padat karya", A,
           satuan="orang", tahunan=20),
    kk_row(S, "2.01.02.0002", "Wirausaha Baru", "Jumlah wirausaha baru", A, satuan="orang",
           tahunan=10, pagu=40_000_000, realisasi_anggaran=30_000_000),
    kk_structure(P, "2.02", "Program Pelatihan Kerja dan Produktivitas"),
    kk_structure(K, "2.02.01", "Pelatihan Berbasis Kompetensi"),
    kk_structure(S, "2.02.01.0001", "Pelatihan Keterampilan", pagu=60_000_000,
                 realisasi_anggaran=45_000_000),
    kk_row(S, "2.02.01.0001", "Pelatihan Keterampilan", "Jumlah peserta pelatihan", B,
           satuan="orang", tahunan=40),
    kk_row(S, "2.02.01.0001", "Pelatihan Keterampilan", "Jumlah pelatihan luar jadwal", B,
           satuan="kegiatan", tahunan=0),
    kk_row(K, "2.02.02", "Pengukuran Produktivitas", "Persentase perusahaan diukur", A,
           tahunan=60),
    kk_row(K, "2.02.02", "Pengukuran Produktivitas", "Persentase rekomendasi dijalankan", A,
           tahunan=60),
    kk_structure(P, "2.03", "Program Hubungan Industrial"),
]  # fmt: skip
STRUCTURED_TREE = {
    # kode: (capaian, predikat, indicators, N/A, not reported, pagu, realisasi, serapan, efisiensi,
    #        own, children)
    "2.01": (90, "Tinggi", 5, 0, 0, 40_000_000, 30_000_000, 75, "1.2", 90, "82.5"),
    "2.01.01": (85, "Tinggi", 2, 0, 0, None, None, None, None, 85, 120),
    "2.01.01.0001": (120, "Sangat Tinggi", 1, 0, 0, None, None, None, None, 120, None),
    "2.01.02": (80, "Tinggi", 2, 0, 0, 40_000_000, 30_000_000, 75, "1.0667", None, 80),
    "2.01.02.0001": (70, "Sedang", 1, 0, 0, None, None, None, None, 70, None),
    "2.01.02.0002": (90, "Tinggi", 1, 0, 0, 40_000_000, 30_000_000, 75, "1.2", 90, None),
    "2.02": ("92.5", "Sangat Tinggi", 4, 1, 1, 60_000_000, 45_000_000, 75, "1.2333", None, "92.5"),
    "2.02.01": (75, "Sedang", 2, 1, 0, 60_000_000, 45_000_000, 75, 1, None, 75),
    "2.02.01.0001": (75, "Sedang", 2, 1, 0, 60_000_000, 45_000_000, 75, 1, 75, None),
    "2.02.02": (110, "Sangat Tinggi", 2, 0, 1, None, None, None, None, 110, None),
    "2.03": (None, "N/A", 0, 0, 0, None, None, None, None, None, None),
}  # fmt: skip


async def test_golden_structure_rows_and_units_with_their_own_indicators(tmp_path, clock):
    office = await make(tmp_path, clock)
    try:
        period = await Period(office, clock).start("Triwulan I 2026")
        await period.to_reporting(kertas_kerja(STRUCTURED_ROWS))
        for asn, code, value in (
            (ASN1, "2.01", "72"),
            (ASN2, "2.01.01", "85"),
            (ASN2, "2.01.01.0001", "60"),
            (ASN1, "2.01.02.0001", "14"),
            (ASN1, "2.01.02.0002", "9"),
            (ASN2, "2.02.01.0001#1", "30"),
            (ASN2, "2.02.01.0001#2", "2"),
            (ASN1, "2.02.02#1", "66"),
        ):
            await period.report(asn, code, value)
        await indicators.close_reporting(office, TIM2, period.id)  # 2.02.02#2 never reported
        assert len(await period.validate_all(TIM1)) == 8
        wb = load_workbook(
            BytesIO((await recap.build(office, period.id, "Tono", opd_id=OPD1)).workbook)
        )
    finally:
        await office.db.dispose()

    # Structure rows are units, never indicators: nine indicators, eleven units.
    kk = {r["Kode"] for r in rows_of(wb["Kertas Kerja"], 5) if r.get("Kode")}
    assert len(kk) == 9 and "2.02" not in kk and "2.01.02" not in kk
    tree = rekap_rows(wb)
    assert_tree(tree, STRUCTURED_TREE)
    basis = {code: row["Dasar Capaian dan Predikat"] for code, row in tree.items()}
    assert basis["2.01"] == "indikator sendiri (1 indikator); bukan rata-rata kegiatan di bawahnya"
    assert basis["2.01.02"] == (
        "rata-rata sub kegiatan di bawahnya (2 sub kegiatan); tanpa indikator sendiri"
    )
    assert basis["2.02"] == "rata-rata kegiatan di bawahnya (2 kegiatan); tanpa indikator sendiri"
    assert basis["2.02.02"] == "indikator sendiri (1 indikator, 1 tanpa capaian tidak dihitung)"
    assert basis["2.03"] == "belum ada indikator"
    assert analysis_counts(wb) == (7, 1, 1, 9)
