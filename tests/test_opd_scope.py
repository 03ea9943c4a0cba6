"""The OPD scope (issue 12, phase 1): no query on an OPD's table runs without its OPD, two OPD
in one database never see each other's data, and an existing install becomes the OPD `OPD1`."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select, update

from bot import cli
from bot.config import Settings
from core import indicators, recap, users, views, workflow
from core.engine import SopError
from core.libur import add_day_off
from core.office import Office
from storage import queries
from storage.db import Database, sync_url
from storage.migrate import upgrade
from storage.models import OPD_MODELS, Document, Opd, Outbox, Period, User
from storage.scope import OPD_PARAM, UnscopedQuery
from tests.conftest import ADMIN_ID, OPD1, Clock, migrate, second_opd
from tests.kinerja_core import ASN1, KD, NAMES, NIP, ROLES, SEK, TIM1, TIM2, make, pdf, xlsx
from tests.kinerja_core import Period as Flow
from tests.kinerja_flow import kertas_kerja, kk_row

# OPD B's people: the same duties under other Telegram ids and NIPs.
B = {tid: tid + 1000 for tid in ROLES}
B_NIP = {b: f"198801012010{b:06d}" for b in B.values()}
ROWS_A = [kk_row("Program", "1.02", "Penempatan", "Persentase ditempatkan", NIP[ASN1])]
ROWS_B = [kk_row("Program", "2.07", "Perizinan", "Izin terbit tepat waktu", B_NIP[B[ASN1]])]


# --- the guard ----------------------------------------------------------------------------------


async def test_an_unscoped_query_on_every_opd_table_raises(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/g.db"
    await migrate(url)
    db = Database(url)
    try:
        for model in OPD_MODELS:
            async with db.session() as session:
                with pytest.raises(UnscopedQuery):
                    await session.exec(select(model))
        async with db.session() as session:
            with pytest.raises(UnscopedQuery):  # hidden in a subquery of a table of no OPD
                await session.exec(select(Opd.id).where(col(Opd.id).in_(select(User.opd_id))))
            with pytest.raises(UnscopedQuery):
                await session.exec(update(Period).values(round=2))
        async with db.transaction() as session:
            session.add(Document(kind="x", file_name="x", sha256="0"))
            with pytest.raises(UnscopedQuery):
                await session.flush()
            session.expunge_all()
        async with db.session() as session:
            # The lookups of a person across the regency, and the OPD list, need no scope.
            assert await queries.user_by_telegram(session=session, telegram_id=1) is None
            assert (await session.exec(select(Opd.kode))).all() == ["OPD1"]
    finally:
        await db.dispose()


async def test_a_new_row_of_another_opd_is_refused(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/r.db"
    await migrate(url)
    db = Database(url)
    try:
        await second_opd(db)
        async with db.transaction(OPD1) as session:
            session.add(Period(name="TW I", year=2025, opd_id=2))
            with pytest.raises(UnscopedQuery):
                await session.flush()
            session.expunge_all()
    finally:
        await db.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_one_statement_serves_every_opd_with_its_own_rows(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
):
    """A statement is compiled once for every OPD, the OPD given at each execution: run for A,
    then B, then A again, each sees and changes its own rows; a refresh of an expired row is
    scoped too, and a caller's parameter of the same name cannot widen the scope."""
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = f"sqlite:///{tmp_path}/one.db"
    await migrate(url)
    db = Database(url)
    try:
        await second_opd(db)
        for opd, name in ((OPD1, "TW I A"), (2, "TW I B")):
            async with db.transaction(opd) as session:
                session.add(Period(name=name, open_name=name, year=2025))
        for opd, name in ((OPD1, "TW I A"), (2, "TW I B"), (OPD1, "TW I A"), (2, "TW I B")):
            async with db.session(opd) as session:
                assert [p.name for p in await queries.running_periods(session=session)] == [name]
        async with db.transaction(2) as session:
            await session.exec(update(Period).values(round=2))
        async with db.session(across=True) as session:
            rounds = dict((await session.exec(select(Period.name, Period.round))).all())
        assert rounds == {"TW I A": 1, "TW I B": 2}
        async with db.session(OPD1) as session:
            (period,) = await queries.running_periods(session=session)
            session.expire(period)
            await session.refresh(period)
            assert period.round == 1
            widened = await session.exec(select(Period.name), params={OPD_PARAM: 2})
            assert widened.all() == ["TW I A"]
    finally:
        await db.dispose()


# --- two OPD in one database ----------------------------------------------------------------------


async def _second_opd(office: Office, clock: Clock) -> tuple[int, int]:
    """OPD B with its people (registered through core, then given to B and their duties, as an
    admin will in phase 2) and a period of the same name as A's at step 5."""
    opd_b = await second_opd(office.db)
    for tid, b in B.items():
        await users.register(office, b, None, f"{NAMES[tid]} B", B_NIP[b], "Jabatan B")
    async with office.db.transaction(across=True) as session:
        for tid, b in B.items():
            await session.exec(
                update(User)
                .where(User.telegram_id == b)
                .values(opd_id=opd_b, role=ROLES[tid].value, status="aktif")
            )
    done = await workflow.start_period(office, B[KD], "Triwulan I 2025", pdf("nota B"))
    for who, doc in (
        (B[SEK], pdf("notulen B")),
        (B[TIM1], pdf("rencana B")),
        (B[TIM2], xlsx(kertas_kerja(ROWS_B))),
    ):
        clock.advance(minutes=10)
        attached = await workflow.attach_document(office, who, doc)
        await workflow.finish_step(office, who, attached.run_id)
    async with office.db.session(opd_b) as session:
        period_b = (await session.exec(select(Period).where(Period.name == done.period))).one()
    return opd_b, period_b.id


async def test_two_opd_never_see_each_other(tmp_path: Path, clock: Clock):
    office = await make(tmp_path, clock)
    a = await Flow(office, clock).start("Triwulan I 2025")
    await a.to_reporting(kertas_kerja(ROWS_A))
    opd_b, period_b = await _second_opd(office, clock)

    # The PICs see their own OPD's indicators only, in periods of the same name.
    mine_a = await indicators.my_indicators(office, ASN1)
    mine_b = await indicators.my_indicators(office, B[ASN1])
    assert [(i.code, i.period_id) for i in mine_a] == [("1.02", a.id)]
    assert [(i.code, i.period_id) for i in mine_b] == [("2.07", period_b)]
    # Another OPD's indicator, period and documents are not found, whatever id is pressed.
    with pytest.raises(SopError):
        await indicators.preview(office, ASN1, mine_b[0].indicator_id, "80")
    with pytest.raises(SopError, match="tidak ditemukan"):
        await views.timeline(office, KD, period_b)
    with pytest.raises(SopError, match="tidak ditemukan"):
        await views.archived_documents(office, KD, period_b)
    async with office.db.session(opd_b) as session:
        doc_b = (await session.exec(select(Document.id))).first()
    with pytest.raises(SopError, match="tidak ditemukan"):
        await views.document(office, KD, doc_b)
    assert [e.period_id for e in await views.all_periods(office, KD)] == [a.id]
    assert [e.period_id for e in await views.all_periods(office, B[KD])] == [period_b]
    assert [p for p, _ in await views.running(office, TIM1)] == [a.id]
    # The command line's recap names the OPD when both have a period of that name.
    with pytest.raises(SopError, match=r"ada di beberapa OPD.*--opd KODE \(OPD1, OPD2\)"):
        await recap.period_by_name(office, "TW I 2025")
    assert (await recap.period_by_name(office, "TW I 2025", "opd2")).id == period_b
    assert (await recap.period_by_name(office, "Triwulan I 2025", "OPD1")).id == a.id

    # A figure reported in A is A's; B's Tim SAKIP has no card for it.
    await a.report(ASN1, "1.02", "75")
    with pytest.raises(SopError):
        await indicators.next_card(office, B[TIM1], a.id)

    # Every message of B's acts is B's; a day off added in A leaves B's calendar alone.
    async with office.db.session(across=True) as session:
        b_people = (await session.exec(select(User.telegram_id).where(User.opd_id == opd_b))).all()
        rows = (await session.exec(select(Outbox.chat_id, Outbox.opd_id))).all()
    assert {opd for chat, opd in rows if chat in b_people} == {opd_b}
    assert {opd for chat, opd in rows if chat in ROLES} == {OPD1}
    day = date(2025, 4, 22)
    await add_day_off(office, ADMIN_ID, day, "Rapat kerja")
    assert not (await office.calendar(opd_id=OPD1, fresh=True)).is_working_day(day)
    assert (await office.calendar(opd_id=opd_b, fresh=True)).is_working_day(day)


# --- the migration --------------------------------------------------------------------------------


def _value(column: sa.Column, now: datetime):
    """A value of the column's type for a filler row (id 1 everywhere, so foreign keys hold)."""
    kind = column.type.python_type if not isinstance(column.type, sa.Boolean) else bool
    if column.foreign_keys or (column.primary_key and kind is int):
        return 1
    return {
        int: 1,
        bool: False,
        datetime: now.replace(tzinfo=None),
        date: date(2025, 4, 14),
    }.get(kind, f"{column.table.name}-{column.name}")


def _fill_every_table(url: str) -> dict[str, int]:
    """One row in every table of the schema at 0004, as a database of the current release."""
    engine = sa.create_engine(sync_url(url))
    now = datetime.now(timezone.utc)
    meta = sa.MetaData()
    with engine.begin() as conn:
        meta.reflect(conn)
        counts = {}
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            row = {
                c.name: _value(c, now)
                for c in table.columns
                if not c.nullable or c.primary_key or c.foreign_keys
            }
            if table.name == "user":
                row.update(status="aktif", role="kepala_dinas")
            conn.execute(table.insert().values(row))
            counts[table.name] = 1
    engine.dispose()
    return counts


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_an_install_of_0004_becomes_opd1_with_every_row(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
):
    url = (
        f"sqlite:///{tmp_path}/old.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    )
    monkeypatch.setenv("OFFICE_NAME", "Dinas Tenaga Kerja Kabupaten Mojokerto")
    await asyncio.to_thread(upgrade, url, "0004")
    counts = await asyncio.to_thread(_fill_every_table, url)
    await asyncio.to_thread(upgrade, url)
    db = Database(url)
    try:
        async with db.session(across=True) as session:
            (opd,) = (await session.exec(select(Opd))).all()
            assert (opd.kode, opd.nama, opd.office_name) == ("OPD1", *[opd.office_name] * 2)
            assert opd.office_name == "Dinas Tenaga Kerja Kabupaten Mojokerto"
            for model in OPD_MODELS:
                opds = (await session.exec(select(model.opd_id))).all()
                assert opds == [opd.id] * counts[model.__tablename__], model.__tablename__
        # The kept rows are the office's: a scoped session sees them.
        async with db.session(opd.id) as session:
            assert (await session.exec(select(User.role))).all() == ["kepala_dinas"]
    finally:
        await db.dispose()


async def test_the_office_name_of_dotenv_names_the_first_opd(tmp_path: Path):
    """`kinerja-bot db upgrade` (and `run`) read OFFICE_NAME from `.env` as well: the setting
    reaches the migration, not only the process environment."""
    url = f"sqlite:///{tmp_path}/old.db"
    await asyncio.to_thread(upgrade, url, "0004")
    settings = Settings(_env_file=None, database_url=url, office_name="Badan Kepegawaian Daerah")
    await asyncio.to_thread(cli.upgrade, settings)
    db = Database(url)
    try:
        async with db.session(across=True) as session:
            (opd,) = (await session.exec(select(Opd))).all()
        assert opd.office_name == "Badan Kepegawaian Daerah"
    finally:
        await db.dispose()
