"""`make demo`: the regency of three OPD played by chat against the fake Bot API, and what it
leaves in the output folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.demo import DINKES, KECAMATAN, run_demo

PERIOD = "Triwulan I 2025"
LAPORAN = f"Laporan Hasil Pengukuran Data Kinerja — {PERIOD}.docx"


@pytest.mark.longest
async def test_the_demo_plays_a_regency_of_three_opd(tmp_path: Path, capsys):
    out = tmp_path / "demo-output"
    assert await run_demo(str(out)) == 0
    assert f"Selesai. Dokumen, linimasa dan transkrip ada di {out.resolve()}/" in (
        capsys.readouterr().out
    )

    with sqlite3.connect(out / "data" / "kinerja.db") as db:
        periods = dict(
            db.execute(
                "SELECT opd.kode, period.status FROM period JOIN opd ON opd.id = period.opd_id"
            ).fetchall()
        )
        open_steps = db.execute(
            "SELECT opd.kode, steprun.step_no FROM steprun JOIN opd ON opd.id = steprun.opd_id "
            "WHERE steprun.status = 'terbuka'"
        ).fetchall()
        days_off = db.execute(
            "SELECT opd.kode FROM dayoff JOIN opd ON opd.id = dayoff.opd_id"
        ).fetchall()
    assert periods == {"OPD1": "selesai", DINKES.kode: "selesai", KECAMATAN.kode: "berjalan"}
    assert open_steps == [(KECAMATAN.kode, 5)]
    assert days_off == [(DINKES.kode,)]

    # The first OPD's files where the one-office demo wrote them; Dinas Kesehatan's beside.
    for folder in (out, out / DINKES.kode):
        assert (folder / LAPORAN).stat().st_size > 0
        assert "selesai (diarsipkan)" in (folder / "linimasa.txt").read_text(encoding="utf-8")
        assert any(p.name.endswith("Nota Dinas.pdf") for p in (folder / "dokumen").iterdir())
    transcript = (out / "transkrip.txt").read_text(encoding="utf-8")
    assert f"/opd tambah {DINKES.kode} {DINKES.nama}" in transcript
    assert "sekarang hari libur: Rapat Kerja Kesehatan Daerah" in transcript
    assert f"(ASN, {KECAMATAN.kode}): ⏰ Pengingat 3 dari 3: Langkah 5" in transcript
    # Bappeda's /kabupaten is in the transcript, the regency workbook beside the rest.
    assert "Wulan Sari (Bappeda): Rekap Kabupaten — Triwulan I 2025" in transcript
    assert "3 OPD: 0 belum memulai, 1 terlambat, 2 selesai" in transcript
    workbook = load_workbook(out / f"Rekapitulasi Kabupaten — {PERIOD}.xlsx")
    kode = [r[1] for r in workbook["Ringkasan"].iter_rows(min_row=6, values_only=True) if r[1]]
    assert kode == [KECAMATAN.kode, "OPD1", DINKES.kode]  # the late one first
    assert "Program 2.07.03" in workbook.sheetnames  # shared by Disnaker and Dinas Kesehatan
