"""The rules of steps 4-6 and 9 in core: import, reporting, evaluation, privacy, reopening."""

from __future__ import annotations

import asyncio
import json
import threading
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.config import Settings, parse_bands
from core import indicators, users, views, workflow
from core.engine import SopError
from core.indicators import Card, Idle, importer, parse_named_codes
from core.measure import IndicatorSpec
from core.transitions import Choice, Done
from storage.models import Document, Figure, Indicator, IndicatorUnit, Outbox, StepRun
from tests.conftest import ADMIN_ID, OPD1
from tests.kinerja_core import (
    ASN1,
    ASN2,
    KD,
    SEK,
    TIM1,
    TIM2,
    Period,
    make,
    pdf,
    slow_disk,
    xlsx,
)
from tests.kinerja_flow import kertas_kerja, kk_row

A, B, T1 = "199003032015032005", "199104042016041006", "198001012005011003"
ROWS = [
    kk_row("Program", "1.02", "Penempatan", "Persentase ditempatkan", A, tw=(80, 80, 80, 80)),
    kk_row("Kegiatan", "1.02.01", "Pelatihan", "Jumlah peserta", B, satuan="orang",
           tahunan=200, tw=(50, 50, 50, 50), konsolidasi="Kumulatif"),
    kk_row("Kegiatan", "1.02.01", "Pelatihan", "Indeks kepuasan peserta", T1, satuan="indeks",
           tahunan=3),
]  # fmt: skip


@pytest.fixture
async def period(tmp_path, clock):
    office = await make(tmp_path, clock)
    p = await Period(office, clock).start("Triwulan I 2025")
    await p.to_reporting(kertas_kerja(ROWS))
    yield p
    await office.db.dispose()


async def count(p: Period, table) -> int:
    async with p.office.db.session(OPD1) as session:
        return len((await session.exec(select(table))).all())


def test_named_codes_in_a_rejection():
    assert parse_named_codes("[1.02.01, 1.03#2] Cek lagi") == (("1.02.01", "1.03#2"), "Cek lagi")
    assert parse_named_codes("  [1.02 ;1.02] ulang") == (("1.02",), "ulang")
    assert parse_named_codes("Tanpa kode") == ((), "Tanpa kode")
    for wrong in ("[] catatan", "[1.02, =HYPERLINK()] x", "[1..2] x"):
        with pytest.raises(SopError, match="kurung siku"):
            parse_named_codes(wrong)


def test_predikat_bands_and_cap_from_settings():
    s = Settings(_env_file=None, capaian_cap="110,5", predikat_bands="80 Baik; 60 Cukup; 0 Kurang")
    assert s.rules.cap == Decimal("110.5")
    assert s.rules.bands[0] == (Decimal(80), "Baik")
    with pytest.raises(ValueError, match="PREDIKAT_BANDS"):
        parse_bands("Baik 80")
    with pytest.raises(ValueError):
        Settings(_env_file=None, negative_variant="terbalik")


async def test_a_clean_import_replaces_the_set_until_reporting_starts(tmp_path, clock):
    office = await make(tmp_path, clock)
    try:
        await _replaces_the_set(office, clock)
    finally:
        await office.db.dispose()


async def _replaces_the_set(office, clock) -> None:
    p = await Period(office, clock).start("Triwulan I 2025")
    await p.upload_and_finish(SEK, pdf("notulen"))
    await p.upload_and_finish(TIM1, pdf("rencana"))
    run = await p.open_run_id()
    with pytest.raises(SopError, match="PIC dengan NIP 199999999999999999"):
        await workflow.attach_document(
            office,
            TIM2,
            xlsx(kertas_kerja([kk_row("Program", "1.02", "X", "Y", "199999999999999999")])),
            run,
        )
    assert await count(p, Indicator) == 0 and await count(p, Document) == 3
    first = await workflow.attach_document(office, TIM2, xlsx(kertas_kerja(ROWS)), run)
    assert "3 indikator" in first.summary
    second = await workflow.attach_document(office, TIM2, xlsx(kertas_kerja(ROWS[:1])), run)
    assert second.replaced and "1 indikator" in second.summary
    assert await count(p, Indicator) == 1 and await count(p, IndicatorUnit) == 1
    with pytest.raises(SopError, match="format Excel"):
        await workflow.attach_document(office, TIM2, pdf("bukan xlsx"), run)
    await workflow.finish_step(office, TIM2, run)
    # Reporting has started: the set is fixed, even if a step 4 run could be found.
    async with office.db.session(OPD1) as session:
        from storage.models import Period as Row
        from storage.models import User

        row = await session.get(Row, p.id)
        tari = (await session.exec(select(User).where(User.telegram_id == TIM2))).one()
        with pytest.raises(SopError, match="tidak bisa diganti lagi"):
            await indicators.import_kertas_kerja(
                office, session, tari, row, xlsx(kertas_kerja(ROWS))
            )


async def test_reporting_reads_indonesian_numbers_and_checks_the_unit(period: Period):
    item = await period.item(ASN2, "1.02.01#1")
    for text, message in (
        ("banyak", "Angka tidak dikenali"),
        ("-3", "tidak bisa negatif"),
        ("12,5", "bilangan bulat"),
        ("40%", "bukan persen"),
        ("1.234.5", "Titik tidak boleh|Pemisah ribuan|meragukan"),
    ):
        with pytest.raises(SopError, match=message):
            await indicators.preview(period.office, ASN2, item.indicator_id, text)
    pv = await indicators.preview(period.office, ASN2, item.indicator_id, "1.234")
    assert pv.value == 1234 and not pv.needs_confirmation
    pct = await period.item(ASN1, "1.02")
    pv = await indicators.preview(period.office, ASN1, pct.indicator_id, "101,5 %")
    assert pv.value == Decimal("101.5") and pv.needs_confirmation
    assert pv.measured.capaian.raw == Decimal("126.875") and pv.measured.capaian.cap_applied
    with pytest.raises(SopError, match="bukan PIC"):
        await indicators.preview(period.office, ASN1, item.indicator_id, "5")


async def test_correct_until_valid_and_nobody_validates_their_own(period: Period):
    o = period.office
    await period.report(ASN1, "1.02", "70")
    again = await period.report(ASN1, "1.02", "72,5")
    assert again.corrected and again.preview.value == Decimal("72.5")
    await period.report(ASN2, "1.02.01#1", "45")
    done = await period.report(TIM1, "1.02.01#2", "2,8")
    assert done.done is not None and done.done.opened[0].step_no == 6
    # Tono reported 1.02.01#2: his queue skips it, and deciding it directly is refused.
    card = await indicators.next_card(o, TIM1)
    assert isinstance(card, Card) and card.code == "1.02"
    async with o.db.session(OPD1) as session:
        own = (
            await session.exec(select(Figure).join(Indicator).where(Indicator.ikode == "1.02.01#2"))
        ).one()
    with pytest.raises(SopError, match="dievaluasi anggota Tim SAKIP lain"):
        await indicators.decide_figure(o, TIM1, own.id, own.version, True)
    with pytest.raises(SopError, match="dilakukan oleh Tim SAKIP"):
        await indicators.decide_figure(o, ASN2, card.figure_id, card.version, True)
    # A figure corrected after the card was shown is not decided on the old version.
    await period.report(ASN1, "1.02", "73")
    with pytest.raises(SopError, match="baru saja diperbaiki"):
        await indicators.decide_figure(o, TIM1, card.figure_id, card.version, True)
    card = await indicators.next_card(o, TIM1)
    decided = await indicators.decide_figure(o, TIM1, card.figure_id, card.version, True)
    assert decided.valid and decided.done is None
    with pytest.raises(SopError, match="sudah dinyatakan valid oleh Tono"):
        await indicators.decide_figure(o, TIM2, card.figure_id, card.version, True)
    with pytest.raises(SopError, match="sudah divalidasi"):
        await period.report(ASN1, "1.02", "74")
    # A return needs a note; then the PIC may correct again while step 6 is open.
    card = await indicators.next_card(o, TIM1)
    with pytest.raises(SopError, match="Tulis catatan"):
        await indicators.decide_figure(o, TIM1, card.figure_id, card.version, False, " ")
    await indicators.decide_figure(o, TIM1, card.figure_id, card.version, False, "Cek lagi")
    idle = await indicators.next_card(o, TIM1)
    assert isinstance(idle, Idle) and (idle.returned, idle.own) == (1, 1)
    await period.report(ASN2, "1.02.01#1", "50")
    assert len(await period.validate_all(TIM2)) == 2
    async with o.db.session(OPD1) as session:
        runs = (await session.exec(select(StepRun).where(StepRun.status == "terbuka"))).all()
        assert [r.step_no for r in runs] == [7]


async def test_sending_twice_over_the_same_card_makes_one_version(period: Period):
    o = period.office
    item = await period.item(ASN1, "1.02")
    first = await indicators.preview(o, ASN1, item.indicator_id, "70")
    await indicators.submit(o, ASN1, item.indicator_id, first.value, version=first.version)
    with pytest.raises(SopError, match="sudah tersimpan"):
        await indicators.submit(o, ASN1, item.indicator_id, first.value, version=first.version)
    again = await indicators.preview(o, ASN1, item.indicator_id, "72")
    assert again.version == 1
    await indicators.submit(o, ASN1, item.indicator_id, again.value, version=again.version)
    with pytest.raises(SopError, match="sudah tersimpan"):
        await indicators.submit(o, ASN1, item.indicator_id, again.value, version=again.version)
    # An old card with another value is not the same submission: refused as changed.
    with pytest.raises(SopError, match="sudah terkirim atau berubah"):
        await indicators.submit(o, ASN1, item.indicator_id, Decimal(75), version=first.version)
    async with o.db.session(OPD1) as session:
        (fig,) = (await session.exec(select(Figure))).all()
    assert (fig.realisasi, fig.version) == (Decimal(72), 2)


async def test_a_zero_figure_returned_is_shown_as_zero(period: Period):
    o = period.office
    await period.report(ASN1, "1.02", "70")
    await period.report(ASN2, "1.02.01#1", "0")
    await period.report(TIM1, "1.02.01#2", "2,8")
    card = await indicators.next_card(o, TIM2)
    while card.code != "1.02.01#1":
        card = await indicators.next_card(o, TIM2, after=card.position)
    await indicators.decide_figure(o, TIM2, card.figure_id, card.version, False, "Nol?")
    async with o.db.session(OPD1) as session:
        row = (await session.exec(select(Outbox).where(Outbox.kind == "figure_returned"))).one()
    assert json.loads(row.payload)["realisasi"] == "0"


def test_the_target_shown_is_the_one_capaian_uses():
    nilai_akhir = IndicatorSpec.from_stored(
        "%", "positif", "nilai akhir", "80", ("0", "90", None, "0")
    )
    assert [nilai_akhir.period_target(tw) for tw in (1, 2, 3, 4, None)] == [0, 90, 80, 0, 80]
    kumulatif = IndicatorSpec.from_stored(
        "orang", "positif", "kumulatif", "200", ("0", "50", None, "50")
    )
    assert [kumulatif.period_target(tw) for tw in (1, 2, 3, 4)] == [0, 50, 50, 100]
    assert kumulatif.period_target_text(1) == "0 orang"
    assert kumulatif.period_target_text(4) == "100 orang (kumulatif TW I s.d. triwulan ini)"


async def test_evidence_is_private_and_not_archived(period: Period):
    o = period.office
    evidence = pdf("bukti")
    await period.report(ASN1, "1.02", "70", evidence=evidence)
    async with o.db.session(OPD1) as session:
        fig = (await session.exec(select(Figure))).one()
        doc = await session.get(Document, fig.evidence_document_id)
        assert doc.status == "bukti" and doc.file_name == "bukti.pdf"
    for reader in (ASN1, TIM1, TIM2, SEK, KD):
        _, content = await indicators.evidence(o, reader, fig.id)
        assert content == evidence.content
    with pytest.raises(SopError, match="hanya dapat dilihat"):
        await indicators.evidence(o, ASN2, fig.id)
    with pytest.raises(SopError, match="tidak ditemukan di arsip"):
        await views.document(o, ASN2, doc.id)
    listed = await views.archived_documents(o, ASN2, period.id)
    assert all(d.kind != indicators.EVIDENCE_KIND for d in listed)


async def test_closing_records_missing_and_only_tim_sakip_may(period: Period):
    o = period.office
    await period.report(ASN1, "1.02", "70")
    assert (await indicators.progress(o, TIM2)).can_close
    assert not (await indicators.progress(o, SEK)).can_close
    with pytest.raises(SopError, match="hanya dapat ditutup oleh Tim SAKIP"):
        await indicators.close_reporting(o, ASN1)
    gaps = await indicators.reporting_gaps(o, TIM2)
    assert [(name, missing, total) for _, name, missing, total in gaps] == [
        ("Triwulan I 2025", 2, 3)
    ]
    done = await indicators.close_reporting(o, TIM2)
    assert done.opened[0].step_no == 6
    async with o.db.session(OPD1) as session:
        statuses = sorted(f.status for f in (await session.exec(select(Figure))).all())
        run5 = (await session.exec(select(StepRun).where(StepRun.step_no == 5))).one()
    assert statuses == ["dilaporkan", "kosong", "kosong"]
    assert (run5.outcome, run5.note) == ("ditutup", "ditutup dengan 2 indikator tanpa realisasi")
    with pytest.raises(SopError, match="tanpa realisasi"):
        await period.report(ASN2, "1.02.01#1", "10")
    progress = await indicators.progress(o, TIM1)
    assert {(x.nama, x.total, x.reported, x.missing) for x in progress.per_pic} == {
        ("Ani Wijaya", 1, 1, 0),
        ("Budi Santoso", 1, 0, 1),
        ("Tono Sugiarto", 1, 0, 1),
    }
    mine = await indicators.progress(o, ASN2)
    assert not mine.team_view and [i.status for i in mine.mine] == ["kosong"]


async def test_rejection_naming_indicators_reopens_those_figures(period: Period):
    o = period.office
    await period.report(ASN1, "1.02", "70")
    await period.report(ASN2, "1.02.01#1", "45")
    await indicators.close_reporting(o, TIM2)  # 1.02.01#2 missing
    await period.validate_all(TIM2)
    for who in (TIM1, TIM1):
        await period.upload_and_finish(who, pdf("rekap"))
    with pytest.raises(SopError, match=r"tidak ada di periode Triwulan I 2025: 9\.99"):
        await workflow.decide(o, SEK, False, "[9.99, 1.02] salah")
    async with o.db.session(OPD1) as session:
        assert {f.status for f in (await session.exec(select(Figure))).all()} == {
            "valid",
            "kosong",
        }
    with pytest.raises(SopError, match="catatan"):
        await workflow.decide(o, SEK, False, "[1.02]")
    done = await workflow.decide(o, SEK, False, "[1.02.01] Cek data UPT")
    assert done.round == 2 and [x.step_no for x in done.opened] == [6]
    async with o.db.session(OPD1) as session:
        rows = (await session.exec(select(Figure, Indicator).join(Indicator))).all()
        status = {i.ikode: (f.status, f.note) for f, i in rows}
    assert status["1.02#1"][0] == "valid"
    assert status["1.02.01#1"] == ("dilaporkan", "Sekretaris: [1.02.01] Cek data UPT")
    assert status["1.02.01#2"][0] == "dikembalikan"  # missing: back to its PIC to report
    # Tono is the PIC of the missing one: he reports it now, Tari validates both.
    item = await period.item(TIM1, "1.02.01#2")
    assert item.editable and item.status == "dikembalikan"
    await period.report(TIM1, "1.02.01#2", "3")
    assert len(await period.validate_all(TIM2)) == 2
    async with o.db.session(OPD1) as session:
        runs = (await session.exec(select(StepRun).where(StepRun.status == "terbuka"))).all()
        assert [(r.step_no, r.round) for r in runs] == [(7, 2)]


async def test_exact_decimals_survive_the_database(period: Period):
    await period.report(ASN2, "1.02.01#1", "1.234.567.890.123.456.789")
    async with period.office.db.session(OPD1) as session:
        fig = (await session.exec(select(Figure))).one()
    assert fig.realisasi == Decimal("1234567890123456789")
    assert fig.capaian == Decimal("1234567890123456789") * 100 / 50
    assert "kumulatif TW I" in fig.capaian_rule


def test_command_line_builds_the_same_recap(tmp_path, monkeypatch, capsys):
    from io import BytesIO

    from openpyxl import load_workbook

    from bot import cli
    from tests.conftest import Clock

    async def setup() -> None:
        office = await make(tmp_path, Clock())
        p = await Period(office, office.clock).start("Triwulan I 2025")
        await p.to_reporting(kertas_kerja(ROWS))
        await p.report(ASN1, "1.02", "70")
        await office.db.dispose()

    asyncio.run(setup())
    data = tmp_path / "data"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{data}/kinerja.db")
    monkeypatch.setenv("DATA_DIR", str(data))
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "rekap.xlsx"
    assert cli.main(["rekap", "--periode", "tw 1 2025", "-o", str(out)]) == 0
    assert "3 indikator" in capsys.readouterr().out
    wb = load_workbook(BytesIO(out.read_bytes()))
    assert wb.sheetnames == ["Rekap", "Kertas Kerja", "Analisis", "Kepatuhan SOP", "Info"]
    assert out.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    assert cli.main(["rekap", "--periode", "Tahunan 2030", "-o", str(out)]) == 1
    assert "Periode Tahunan 2030 tidak ditemukan" in capsys.readouterr().err


async def test_tasks_show_reporting_only_to_pics_who_owe_a_figure(period: Period):
    o = period.office
    assert [t.step_no for t in await views.my_tasks(o, ASN1)] == [5]
    assert [t.step_no for t in await views.my_tasks(o, SEK)] == []
    await period.report(ASN1, "1.02", "70")
    assert [t.step_no for t in await views.my_tasks(o, ASN1)] == []
    await period.report(ASN2, "1.02.01#1", "45")
    await period.report(TIM1, "1.02.01#2", "2,8")
    assert [t.step_no for t in await views.my_tasks(o, TIM2)] == [6]


async def test_the_kertas_kerja_with_nips_is_not_open_to_every_asn(period: Period):
    o = period.office
    for who, sees in ((ASN2, False), (TIM1, True), (SEK, True), (KD, True)):
        listed = await views.archived_documents(o, who, period.id)
        kinds = {d.kind for d in listed}
        assert ("Kertas Kerja Pengukuran Data Kinerja" in kinds) is sees, who
    async with o.db.session(OPD1) as session:
        kk = (
            await session.exec(
                select(Document).where(Document.kind == "Kertas Kerja Pengukuran Data Kinerja")
            )
        ).one()
    with pytest.raises(SopError, match="memuat NIP"):
        await views.document(o, ASN1, kk.id)
    doc, _ = await views.document(o, TIM2, kk.id)
    assert doc.file_name.endswith(".xlsx")


async def test_step_five_reminders_go_only_to_pics_who_owe_a_figure(period: Period):
    from datetime import timedelta

    from core import deadlines
    from storage.models import Outbox, User

    o = period.office
    await period.report(ASN1, "1.02", "70")
    async with o.db.session(OPD1) as session:
        run = (await session.exec(select(StepRun).where(StepRun.step_no == 5))).one()
    await deadlines.scan(o, run.due_at + timedelta(minutes=1))
    async with o.db.session(OPD1) as session:
        rows = (await session.exec(select(Outbox).where(Outbox.kind == "reminder"))).all()
        ids = {u.telegram_id: u.nama for u in (await session.exec(select(User))).all()}
    assert sorted(ids[r.chat_id] for r in rows) == ["Budi Santoso", "Tono Sugiarto"]


async def test_a_kertas_kerja_being_read_holds_no_other_writer(tmp_path, clock, monkeypatch):
    """Reading a Kertas Kerja of thousands of rows takes seconds: it happens before the unit of
    work, so on SQLite (one writer at a time) everyone else's writes go on meanwhile; so too
    when it fitted two periods and its period is picked. A PIC who leaves meanwhile is caught
    when it is stored: the file is read again."""
    office = await make(tmp_path, clock)
    reading, read = threading.Event(), threading.Event()
    try:
        p = await Period(office, clock).start("Triwulan I 2025")
        await p.upload_and_finish(SEK, pdf("notulen"))
        await p.upload_and_finish(TIM1, pdf("rencana"))
        parse = importer.parse_kertas_kerja

        def slow_parse(*args, **kwargs):
            reading.set()
            read.wait(10)
            return parse(*args, **kwargs)

        monkeypatch.setattr(importer, "parse_kertas_kerja", slow_parse)

        async def read_while(storing, meanwhile) -> asyncio.Task:
            reading.clear()
            read.clear()
            task = asyncio.create_task(storing)
            await asyncio.to_thread(reading.wait, 10)
            await asyncio.wait_for(meanwhile, timeout=5)
            assert not task.done()
            read.set()
            return task

        upload = workflow.attach_document(office, TIM2, xlsx(kertas_kerja(ROWS)))
        newcomer = users.register(office, 300, None, "Dewi Lestari", "199505052020122001", "S")
        assert "3 indikator" in (await (await read_while(upload, newcomer))).summary

        budi = await users.lookup(office, ASN2)
        upload = workflow.attach_document(office, TIM2, xlsx(kertas_kerja(ROWS)))
        leaving = users.set_active(office, ADMIN_ID, budi[0].id, False)
        with pytest.raises(SopError, match=B):
            await (await read_while(upload, leaving))
        assert await count(p, Indicator) == 3

        q = await Period(office, clock).start("Triwulan II 2025")
        await q.upload_and_finish(SEK, pdf("notulen II"))
        await q.upload_and_finish(TIM1, pdf("rencana II"))
        rows = [r for r in ROWS if B not in r]
        choice = await workflow.attach_document(office, TIM2, xlsx(kertas_kerja(rows)))
        assert isinstance(choice, Choice)
        placing = workflow.place_document(office, TIM2, choice.doc_id, await q.open_run_id())
        another = users.register(office, 301, None, "Eko Prasetyo", "199505052020122002", "S")
        assert "2 indikator" in (await (await read_while(placing, another))).summary
    finally:
        read.set()
        await office.db.dispose()


def count_units(office, monkeypatch) -> list:
    units, transaction = [], office.db.transaction

    def counted(*args, **kwargs):
        units.append(args)
        return transaction(*args, **kwargs)

    monkeypatch.setattr(office.db, "transaction", counted)
    return units


async def test_evaluation_cards_are_read_without_holding_any_writer(period: Period, monkeypatch):
    """Each card is one read outside any unit of work: with thousands waiting, loading them all
    held every other writer for most of a second at every decision."""
    o = period.office
    await period.report(ASN1, "1.02", "70")
    await period.report(ASN2, "1.02.01#1", "40")
    await indicators.close_reporting(o, TIM2)  # Tono's own indicator is recorded missing
    units = count_units(o, monkeypatch)
    first = await indicators.next_card(o, TIM1)
    second = await indicators.next_card(o, TIM1, after=first.position)
    wrapped = await indicators.next_card(o, TIM1, after=second.position)
    assert (first.code, second.code, wrapped.code) == ("1.02", "1.02.01#1", "1.02")
    assert units == []


async def test_with_nothing_left_to_evaluate_the_card_read_ends_step_six(
    period: Period, monkeypatch
):
    o = period.office
    await indicators.close_reporting(o, TIM2)  # nothing reported: every figure missing
    units = count_units(o, monkeypatch)
    done = await indicators.next_card(o, TIM1)
    assert isinstance(done, Done) and done.step_no == 6 and len(units) == 1
    with pytest.raises(SopError, match="Langkah 6 sedang tidak dibuka"):
        await indicators.next_card(o, TIM1)


def stored_files(office) -> set[str]:
    return {f.name for f in office.files.root.rglob("*") if f.is_file()}


async def test_an_upload_refused_writes_no_file_and_one_taken_is_written_before_its_unit(
    tmp_path, clock, monkeypatch
):
    """A broken Kertas Kerja, or a PDF sent to step 4, leaves nothing on disk; a document that
    nothing inside can refuse is hashed and written (fsync, up to 20 MB) before the unit of
    work, while everyone else's writes go on."""
    office = await make(tmp_path, clock)
    try:
        p = await Period(office, clock).start("Triwulan I 2025")
        await p.upload_and_finish(SEK, pdf("notulen"))
        writing, written = slow_disk(office, monkeypatch)
        upload = asyncio.create_task(workflow.attach_document(office, TIM1, pdf("rencana")))
        await writing.wait()
        newcomer = users.register(office, 300, None, "Dewi Lestari", "199505052020122001", "S")
        assert (await asyncio.wait_for(newcomer, timeout=5)).user_id and not upload.done()
        written.set()
        await workflow.finish_step(office, TIM1, (await upload).run_id)

        before = stored_files(office)
        unknown_pic = xlsx(kertas_kerja([kk_row("Program", "1.02", "X", "Y", "1" * 18)]))
        for refused in (unknown_pic, pdf("bukan kertas kerja")):
            with pytest.raises(SopError):
                await workflow.attach_document(office, TIM2, refused)
        assert stored_files(office) == before
    finally:
        await office.db.dispose()
