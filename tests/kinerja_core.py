"""Core-level helpers for the data steps: an office on a fresh database, its people, and a period
driven to a given step through the same actions the handlers call (no Telegram)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from bot.app import make_office
from bot.config import Settings
from core import indicators, transitions, users, workflow
from core.indicators import Card, Idle
from core.office import Office
from core.sop import Role
from core.transitions import DocInput, Done
from storage.models import Period as Row
from storage.models import StepRun
from tests.conftest import ADMIN_ID, OPD1, Clock, migrate

KD, SEK, TIM1, TIM2, ASN1, ASN2 = 101, 102, 103, 104, 105, 106
NIP = {
    KD: "196909211996021001",
    SEK: "197501012000032002",
    TIM1: "198001012005011003",
    TIM2: "198202022006042004",
    ASN1: "199003032015032005",
    ASN2: "199104042016041006",
}
NAMES = {
    KD: "Bambang Purwanto",
    SEK: "Siti Aminah",
    TIM1: "Tono Sugiarto",
    TIM2: "Tari Lestari",
    ASN1: "Ani Wijaya",
    ASN2: "Budi Santoso",
}
ROLES = {
    KD: Role.KEPALA_DINAS,
    SEK: Role.SEKRETARIS,
    TIM1: Role.TIM_SAKIP,
    TIM2: Role.TIM_SAKIP,
    ASN1: Role.ASN,
    ASN2: Role.ASN,
}


def slow_disk(office: Office, monkeypatch) -> tuple[asyncio.Event, asyncio.Event]:
    """The file store's writes wait: `writing` is set when one begins, and it goes on once the
    test sets `written` (what else runs meanwhile shows who waits for a file's fsync)."""
    writing, written = asyncio.Event(), asyncio.Event()
    write = office.files.write

    async def held(content: bytes) -> str:
        writing.set()
        await written.wait()
        return await write(content)

    monkeypatch.setattr(office.files, "write", held)
    return writing, written


def pdf(name: str) -> DocInput:
    return DocInput(f"%PDF-1.4 {name}\n%%EOF".encode(), f"{name}.pdf", "application/pdf")


def xlsx(content: bytes, name: str = "kertas kerja.xlsx") -> DocInput:
    return DocInput(content, name, "application/vnd.ms-excel")


async def make(tmp_path: Path, clock: Clock, database_url: str | None = None, **settings) -> Office:
    """The office on a fresh database: SQLite in `tmp_path` unless `database_url` is given."""
    data = tmp_path / "data"
    s = Settings(
        _env_file=None,
        bot_token="1:T",
        database_url=database_url or f"sqlite:///{data}/kinerja.db",
        data_dir=data,
        admin_ids=frozenset({ADMIN_ID}),
        office_name="Dinas Tenaga Kerja Kabupaten Mojokerto",
        **settings,
    )
    await migrate(s.database_url, s.office_name)
    office = make_office(s)
    office.clock = clock
    await register_staff(office)
    return office


async def register_staff(office: Office) -> None:
    """The office's six people, registered and given their duties by the admin."""
    for tid, role in ROLES.items():
        reg = await users.register(office, tid, None, NAMES[tid], NIP[tid], f"Jabatan {tid}")
        await users.set_role(office, ADMIN_ID, reg.user_id, role, confirm=True)


@dataclass
class Period:
    """A period of one OPD (OPD1 unless told), its people named by the duties' ids above:
    `people` maps those ids to another OPD's Telegram ids (tests/test_opd_authorization.py)."""

    office: Office
    clock: Clock
    id: int = 0
    name: str = ""
    opd_id: int = OPD1
    people: dict[int, int] = field(default_factory=dict)
    tag: str = ""

    def who(self, telegram_id: int) -> int:
        return self.people.get(telegram_id, telegram_id)

    def pdf(self, name: str) -> DocInput:
        return pdf(f"{name}{self.tag}")

    async def start(self, name: str) -> Period:
        done = await workflow.start_period(self.office, self.who(KD), name, self.pdf("nota"))
        self.name = done.period
        async with self.office.db.session(self.opd_id) as session:
            self.id = (await session.exec(select(Row).where(Row.open_name == done.period))).one().id
        return self

    async def upload_and_finish(self, telegram_id: int, doc: DocInput) -> Done:
        self.clock.advance(minutes=10)
        telegram_id = self.who(telegram_id)
        attached = await workflow.attach_document(
            self.office, telegram_id, doc, await self.open_run_id()
        )
        assert isinstance(attached, transitions.Attached), attached
        return await workflow.finish_step(self.office, telegram_id, attached.run_id)

    async def open_run_id(self) -> int:
        async with self.office.db.session(self.opd_id) as session:
            q = select(StepRun).where(StepRun.period_id == self.id, StepRun.status == "terbuka")
            return (await session.exec(q)).one().id

    async def to_reporting(self, kertas_kerja: bytes) -> None:
        """Steps 2-4: minutes, plan, then the Kertas Kerja; step 5 opens."""
        await self.upload_and_finish(SEK, self.pdf("notulen"))
        await self.upload_and_finish(TIM1, self.pdf("rencana"))
        await self.upload_and_finish(TIM2, xlsx(kertas_kerja))

    async def item(self, telegram_id: int, code: str) -> indicators.ReportItem:
        items = await indicators.my_indicators(self.office, self.who(telegram_id))
        found = [i for i in items if i.code == code and i.period_id == self.id]
        assert found, f"{code} not among {[i.code for i in items]}"
        return found[0]

    async def report(self, telegram_id: int, code: str, text: str, **kw) -> indicators.Submitted:
        self.clock.advance(minutes=5)
        item = await self.item(telegram_id, code)
        telegram_id = self.who(telegram_id)
        pv = await indicators.preview(self.office, telegram_id, item.indicator_id, text)
        return await indicators.submit(
            self.office, telegram_id, item.indicator_id, pv.value, version=pv.version, **kw
        )

    async def validate_all(self, telegram_id: int = TIM1) -> list[Card]:
        """Every card this member is shown, declared valid, until nothing is left."""
        cards = []
        telegram_id = self.who(telegram_id)
        while True:
            card = await indicators.next_card(self.office, telegram_id, self.id)
            if not isinstance(card, Card):
                assert isinstance(card, (Done, Idle)), card
                return cards
            cards.append(card)
            decided = await indicators.decide_figure(
                self.office, telegram_id, card.figure_id, card.version, True
            )
            if decided.done is not None:
                return cards


def dec(text: str) -> Decimal:
    return Decimal(text)
