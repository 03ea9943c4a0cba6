"""Helpers for the data steps in end-to-end tests: a Kertas Kerja workbook, and the chat moves
of step 4 (upload), 5 (/lapor), 6 (/evaluasi) and 7-8 (/rekap) through the fake Bot API."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook

from core.kertas_kerja import COLUMNS, DATA_SHEET
from fakeapi import FakeUser
from fakeapi.models import BotMessage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def kk_row(
    level: str,
    kode: str,
    nama: str,
    indikator: str,
    pic: Any,
    *,
    satuan: str = "%",
    tahunan: Any = 100,
    tw: tuple[Any, Any, Any, Any] = (None, None, None, None),
    polaritas: str = "Positif",
    tipe: str = "Angka",
    konsolidasi: str = "Nilai Akhir",
    jenis: str = "IKU",
    pagu: Any = None,
    realisasi_anggaran: Any = None,
    cara: str | None = "",
    sumber: str | None = "Laporan bidang",
) -> list[Any]:
    """One row of the template's Data sheet, in its column order.

    `cara` "" (the default) writes "Cara hitung <indikator>"; None leaves a cell blank.
    """
    return [
        level,
        kode,
        nama,
        indikator,
        jenis,
        satuan,
        tahunan,
        *tw,
        polaritas,
        tipe,
        konsolidasi,
        f"Cara hitung {indikator}" if cara == "" else cara,
        pagu,
        realisasi_anggaran,
        sumber,
        pic,
    ]


def kk_structure(
    level: str, kode: str, nama: str, *, pagu: Any = None, realisasi_anggaran: Any = None
) -> list[Any]:
    """A structure row: the unit in the tree without an indicator (budget only if given)."""
    return [
        level,
        kode,
        nama,
        *[None] * 12,
        pagu,
        realisasi_anggaran,
        None,
        None,
    ]


def kertas_kerja(
    rows: list[list[Any]],
    *,
    headers: list[str] | None = None,
    sheet: str = DATA_SHEET,
    codes_as_text: bool = True,
) -> bytes:
    """The rows as an .xlsx Data sheet; the template's headers and text cells unless told."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers if headers is not None else [c.header for c in COLUMNS])
    for values in rows:
        ws.append(values)
    if codes_as_text:  # kode and NIP as text, as the template says
        for cell in ws["B"][1:] + ws["S"][1:]:
            cell.number_format = "@"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf(name: str) -> bytes:
    return f"%PDF-1.4 {name}\n%%EOF".encode()


async def open_to_step4(kd: FakeUser, sek: FakeUser, tim: FakeUser, period: str) -> None:
    """Steps 1-3 by chat: the Kepala Dinas starts the period, the Sekretaris and Tim SAKIP hand
    in their documents; step 4 (the Kertas Kerja) opens for Tim SAKIP."""
    await kd.send("/mulai")
    await kd.expect("nama periode")
    await kd.send(period)
    await kd.expect("Nota Dinas")
    await kd.send_document(pdf("nota"), "nota.pdf", "application/pdf")
    await kd.expect("dimulai")
    await sek.send_document(pdf("notulen"), "notulen.pdf", "application/pdf")
    await finish(sek, await sek.expect("tersimpan sebagai"), 2)
    await tim.send_document(pdf("rencana"), "rencana.pdf", "application/pdf")
    await finish(tim, await tim.expect("tersimpan sebagai"), 3)


async def upload_kertas_kerja(tim: FakeUser, content: bytes, name: str = "kertas kerja.xlsx"):
    await tim.send_document(content, name, XLSX)
    return await tim.expect("Kertas Kerja bersih")


async def finish(user: FakeUser, message: BotMessage, no: int) -> BotMessage:
    await user.press("✅ Selesaikan langkah", message)
    return await user.expect(f"Langkah {no} periode")


async def report(
    asn: FakeUser,
    code: str,
    value: str,
    *,
    pendukung: str | None = None,
    penghambat: str | None = None,
    evidence: tuple[bytes, str, str] | None = None,
    photo: bytes | None = None,
    confirm_odd: bool = False,
) -> BotMessage:
    """The whole /lapor dialog for one indicator: pick, value, what the card offers, Kirim;
    returns the bot's final answer."""
    await asn.send("/lapor")
    listing = await asn.expect("Lapor realisasi")
    button = next(
        (text for row in listing.buttons for text, _ in row if f" {code} " in f"{text} "),
        None,
    )
    while button is None and listing.find_button("Berikutnya ▶"):
        await asn.press("Berikutnya ▶", listing)
        listing = await asn.expect_edit("Lapor realisasi")
        button = next(
            (text for row in listing.buttons for text, _ in row if f" {code} " in f"{text} "),
            None,
        )
    assert button is not None, f"{code} not in {listing.buttons}"
    await asn.press(button, listing)
    await asn.expect("Ketik realisasi")
    await asn.send(value)
    if confirm_odd:
        ask = await asn.expect("yakin")
        await asn.press("✅ Ya, pakai angka ini", ask)
    card = await asn.expect("Periksa sebelum dikirim")
    for name, text in (("pendukung", pendukung), ("penghambat", penghambat)):
        if text:
            await asn.press(f"➕ Faktor {name}", card)
            await asn.expect(f"faktor {name}")
            await asn.send(text)
            card = await asn.expect("Periksa sebelum dikirim")
    if evidence is not None or photo is not None:
        await asn.press("📎 Bukti dukung", card)
        await asn.expect("bukti dukung")
        if evidence is not None:
            await asn.send_document(*evidence)
        else:
            await asn.send_photo(photo)
        card = await asn.expect("Periksa sebelum dikirim")
    await asn.press("✅ Kirim", card)
    return await asn.expect("Realisasi")


async def validate_all(tim: FakeUser) -> tuple[list[BotMessage], list[BotMessage]]:
    """Press Valid on every card /evaluasi shows until step 6 is done.

    Returns the cards and the other messages that arrived meanwhile (notices of the next step).
    """
    await tim.send("/evaluasi")
    cards: list[BotMessage] = []
    other: list[BotMessage] = []
    while True:
        message = await tim.next_message()
        if "Langkah 6 selesai" in message.plain:
            return cards, other
        if "🔎 Evaluasi" not in message.plain:
            other.append(message)
            continue
        cards.append(message)
        await tim.press("✅ Valid", message)
        await tim.expect_edit("Valid — oleh")


async def recap(
    tim: FakeUser, timeout: float = 20, send: bool = True
) -> tuple[BotMessage, BotMessage, BotMessage]:
    """/rekap at step 7: the workbook (a document), the chart (a photo, previewed in the chat)
    and the one message saying what to do next, with the finish button."""
    if send:
        await tim.send("/rekap")
    workbook = await tim.expect("Rekapitulasi Hasil Pengukuran Data Kinerja —", timeout=timeout)
    assert workbook.document is not None
    chart = await tim.next_message(timeout=timeout)
    assert chart.photo is not None and chart.photo.content[:4] == b"\x89PNG"
    stored = await tim.next_message(timeout=timeout)
    assert "Rekap tersimpan" in stored.plain and stored.buttons
    return workbook, chart, stored


async def draft(tim: FakeUser) -> BotMessage:
    """/rekap at step 8: the Draft Laporan (.docx) is built and stored beside the step 7 recap."""
    await tim.send("/rekap")
    return await tim.expect("tersimpan bersama rekap Langkah 7", timeout=20)
