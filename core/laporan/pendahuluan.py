"""BAB I Pendahuluan: fixed text with the office's values, for the office to edit in Word."""

from __future__ import annotations

from core.laporan.docx_parts import Report, bullet, clean, paragraph
from core.laporan.model import LaporanInput
from core.sop import LEGAL_BASIS

HEADING = "BAB I PENDAHULUAN"


def add(document: Report, data: LaporanInput) -> None:
    recap = data.recap
    office, period = clean(recap.office), clean(recap.period)
    document.add_heading(HEADING, 1)
    document.add_heading("1.1 Dasar Hukum", 2)
    for line in LEGAL_BASIS:
        bullet(document, line)
    document.add_heading("1.2 Maksud dan Tujuan", 2)
    paragraph(
        document,
        f"Laporan ini menyajikan hasil pengukuran data kinerja {office} periode {period}: "
        "capaian setiap indikator kinerja program, kegiatan dan sub kegiatan dibandingkan "
        "dengan target dalam Perjanjian Kinerja, beserta analisisnya. Laporan ini menjadi "
        "bahan penyusunan Laporan Kinerja Instansi Pemerintah (LKjIP) dan evaluasi "
        "Akuntabilitas Kinerja Instansi Pemerintah (AKIP).",
    )
    document.add_heading("1.3 Periode Pengukuran", 2)
    paragraph(document, f"Pengukuran ini mencakup periode {period}.")
    document.add_heading("1.4 Pelaksana Pengukuran", 2)
    paragraph(
        document,
        "Pengukuran dilaksanakan oleh Tim SAKIP bersama seluruh ASN internal yang menjadi "
        "penanggung jawab (PIC) indikator. Anggota Tim SAKIP:",
    )
    for member in data.tim or (data.prepared_by,):
        jabatan = f" — {clean(member.jabatan)}" if member.jabatan else ""
        bullet(document, f"{clean(member.nama)}{jabatan}")
