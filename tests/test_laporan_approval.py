"""/setuju with a Word draft that cannot be opened (stored before uploads were checked): the
approval goes through and the draft travels as it was, through the same actions the handlers
call."""

from __future__ import annotations

from sqlmodel import select

from bot import messages
from core import workflow
from core.laporan.actions import DRAFT_KIND
from core.transitions import DRAFT, FINAL
from storage.models import Document
from tests.conftest import OPD1, make_settings, running_bot
from tests.kinerja_core import ASN1, ASN2, SEK, TIM1, Period, make, pdf
from tests.test_cycle_e2e import KERTAS_KERJA

BROKEN = b"PK\x03\x04 not a zip"


async def recapped(office, clock) -> Period:
    """A period through core up to step 8: figures reported and valid, the recap done."""
    period = await Period(office, clock).start("TW I 2025")
    await period.to_reporting(KERTAS_KERJA)
    await period.report(ASN1, "1.02", "60")
    await period.report(ASN2, "1.02.01", "50")
    await period.validate_all()
    await period.upload_and_finish(TIM1, pdf("rekap"))  # step 7
    return period


async def test_an_unreadable_word_draft_is_approved_as_it_was(tmp_path, clock) -> None:
    office = await make(tmp_path, clock)
    try:
        period = await recapped(office, clock)
        run_id = await period.open_run_id()  # step 8
        async with office.db.transaction(OPD1) as session:
            session.add(
                Document(
                    period_id=period.id, step_run_id=run_id, kind=DRAFT_KIND,
                    file_name="draft lama.docx", sha256=await office.files.write(BROKEN),
                    size=len(BROKEN), status=DRAFT,
                )
            )  # fmt: skip
        await workflow.finish_step(office, TIM1, run_id)
        done = await workflow.decide(office, SEK, True, None)
        assert done.outcome == "setuju"
        async with office.db.session(OPD1) as session:
            approved = (
                await session.exec(
                    select(Document).where(
                        Document.status == FINAL, Document.file_name.like("%.docx")
                    )
                )
            ).all()
        assert approved[-1].file_name == "draft lama.docx"  # not a Laporan Hasil
        assert await office.files.read(approved[-1].sha256) == BROKEN
    finally:
        await office.db.dispose()


async def test_a_note_for_a_draft_decided_meanwhile_ends_the_dialog(tmp_path, clock, tg) -> None:
    """Tolak asks for the note; the Sekretaris approves with /setuju before typing it. The note
    is then refused once and the dialog ends: her next message is not taken as a note again."""
    office = await make(tmp_path, clock)
    period = await recapped(office, clock)
    await period.upload_and_finish(TIM1, pdf("draft"))  # step 8
    await office.db.dispose()
    sek = tg.user(SEK, "Siti")
    async with running_bot(make_settings(tg, tmp_path / "data"), clock):
        await sek.send("/tugas")
        await sek.press("↩️ Tolak", await sek.expect("Tugas Anda"))
        await sek.expect("catatan arahan perbaikan")
        await sek.send("/setuju")
        await sek.expect("disetujui")
        await sek.send("Angka 1.02 perlu dicek ulang.")
        await sek.expect("sudah diambil")
        await sek.send("Angka 1.02 perlu dicek ulang.")
        await sek.expect(messages.FREE_TEXT)
