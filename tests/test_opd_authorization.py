"""Authorization across two OPD (issue 12): every command and every button, from OPD B's people.

Two OPD share one database and one bot. Each has its people (the same duties under other
Telegram ids and NIPs, and an admin OPD in B) and four periods of the same names, at steps 9, 6,
5 and 2, with indicators, figures (one with evidence), documents and a day off. Then:

- every command, sent by each of B's people, answers with B's data only (texts and files);
- every button, forged by B's people with A's ids (periods, step runs, figures, indicators,
  documents, users, days, page offsets), is refused with a clear reply and changes nothing;
- whatever B's acts put in the outbox goes to B's people only.

The tables below must name every command and every button pattern the bot registers (checked
against the application's handlers), so a new one without a cross-OPD case fails the suite.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import pytest_asyncio
from sqlmodel import col, select
from telegram.ext import CommandHandler

from bot import messages
from bot.callbacks import MAX_ID
from bot.scheduler import run_scan
from core import outbox, users
from core.libur import add_day_off
from core.office import Office
from core.sop import Role
from fakeapi import FakeTelegram, FakeUser
from fakeapi.models import BotMessage
from storage.models import (
    OPD_MODELS,
    Document,
    Figure,
    Indicator,
    Outbox,
    Period,
    StepRun,
    User,
)
from tests.conftest import ADMIN_ID, OPD1, Bot, Clock, make_settings, running_bot, second_opd
from tests.kinerja_core import (
    ASN1,
    ASN2,
    KD,
    NAMES,
    NIP,
    ROLES,
    SEK,
    TIM1,
    TIM2,
    pdf,
    register_staff,
)
from tests.kinerja_core import Period as Flow
from tests.kinerja_flow import kertas_kerja, kk_row
from tests.test_forged_buttons import _patterns, every_handler
from tests.test_restart import wait_for

pytestmark = pytest.mark.asyncio(loop_scope="module")

ADMIN = 0  # the duty key of an OPD's admin in `Side.tids`
B_NAMES = {
    KD: "Hendra Gunawan",
    SEK: "Rina Marlina",
    TIM1: "Joko Susilo",
    TIM2: "Maya Sari",
    ASN1: "Dedi Kurnia",
    ASN2: "Wulan Fitri",
    ADMIN: "Agus Salim",
}
B_TIDS = {duty: 1100 + duty % 100 for duty in B_NAMES}
B_NIPS = {duty: f"198801012010{tid:06d}" for duty, tid in B_TIDS.items()}
A_PENDING = 150
A_DAY_OFF = date(2025, 4, 22)
PERIODS = {
    "tw1": "Triwulan I 2025",
    "tw2": "Triwulan II 2025",
    "tw3": "Triwulan III 2025",
    "tw4": "Triwulan IV 2025",
}
# What of A must never reach B: its people, NIPs, its office name (each OPD's documents carry
# its own) and every name A's records carry (ALFA).
A_SECRETS = (*NAMES.values(), *NIP.values(), "Dinas Tenaga Kerja", "ALFA")


def _kertas_kerja(tag: str, pics: tuple[str, str]) -> bytes:
    """Two programs of one indicator each, the same kode in both OPD, named with the tag."""
    rows = [
        kk_row("Program", f"{n}.0{n}", f"Program {tag} {n}", f"Indikator {tag} {n}", pic,
               tw=(80, 80, 80, 80))
        for n, pic in enumerate(pics, 1)
    ]  # fmt: skip
    return kertas_kerja(rows)


@dataclass
class Side:
    """One OPD's people and the ids of its records, read back after the set-up."""

    opd_id: int
    tids: dict[int, int]
    periods: dict[str, int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    docs: list[int] = field(default_factory=list)
    figures: list[tuple[int, int]] = field(default_factory=list)
    evidence: int = 0
    indicators: list[int] = field(default_factory=list)
    users: list[int] = field(default_factory=list)

    def ids(self) -> dict[str, int]:
        """The values the forged presses are built of."""
        fig, ver = self.figures[0]
        return {
            **self.periods,
            **{f"run_{k}": v for k, v in self.runs.items()},
            "doc": self.docs[0],
            "fig": fig,
            "ver": ver,
            "evidence": self.evidence,
            "ind": self.indicators[0],
            "user": self.users[0],
            "opd": self.opd_id,
        }


async def _periods(office: Office, clock: Clock, side: Side, tag: str, nips: dict) -> None:
    """TW I at step 9 (draft with the Sekretaris), TW II at step 6 (figures to evaluate, one
    with evidence), TW III at step 5 (one figure in), TW IV at step 2."""
    people = {duty: tid for duty, tid in side.tids.items() if duty != ADMIN}
    rows = _kertas_kerja(tag, (nips[ASN1], nips[ASN2]))
    flows = {}
    for key, name in PERIODS.items():
        flows[key] = flow = Flow(office, clock, opd_id=side.opd_id, people=people, tag=f" {tag}")
        await flow.start(name)
        if key != "tw4":
            await flow.to_reporting(rows)
    for key in ("tw1", "tw2"):
        await flows[key].report(ASN1, "1.01", "85", evidence=pdf(f"bukti {tag}"))
        await flows[key].report(ASN2, "2.02", "70")
    await flows["tw3"].report(ASN1, "1.01", "90")
    await flows["tw1"].validate_all(TIM1)
    await flows["tw1"].upload_and_finish(TIM1, flows["tw1"].pdf("rekap"))
    await flows["tw1"].upload_and_finish(TIM1, flows["tw1"].pdf("draft"))


async def _read_ids(office, side: Side) -> None:
    async with office.db.session(side.opd_id) as session:
        by_name = {p.name: p.id for p in (await session.exec(select(Period))).all()}
        side.periods = {key: by_name[name] for key, name in PERIODS.items()}
        for key, pid in side.periods.items():
            run = select(StepRun.id).where(StepRun.period_id == pid, StepRun.status == "terbuka")
            side.runs[key] = (await session.exec(run)).first()
        side.docs = list((await session.exec(select(Document.id).order_by(Document.id))).all())
        waiting = select(Figure).where(Figure.period_id == side.periods["tw2"])
        figures = (await session.exec(waiting.order_by(Figure.id))).all()
        side.figures = [(f.id, f.version) for f in figures]
        side.evidence = next(f.id for f in figures if f.evidence_document_id)
        open_ind = select(Indicator.id).where(Indicator.period_id == side.periods["tw3"])
        side.indicators = list((await session.exec(open_ind.order_by(Indicator.id))).all())
        side.users = list((await session.exec(select(User.id).order_by(User.id))).all())


@dataclass
class World:
    bot: Bot
    tg: FakeTelegram
    a: Side
    b: Side
    people: dict[int, FakeUser]  # B's people by duty
    pending: int  # A's registration request
    clock: Clock


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    clock = Clock()
    async with FakeTelegram() as tg:
        data: Path = tmp_path_factory.mktemp("opd") / "data"
        settings = make_settings(tg, data, reminder_scan_seconds=0)
        async with running_bot(settings, clock) as (app, office):
            yield await _build(Bot(app, office, settings), tg, clock)


async def _build(bot: Bot, tg: FakeTelegram, clock: Clock) -> World:
    office = bot.office
    await register_staff(office)
    # A's request waiting for its admin, filed while A is the regency's only OPD.
    pending = await users.register(office, A_PENDING, None, "Calon ALFA", "199912312020121001",
                                   "Staf ALFA")  # fmt: skip
    a = Side(OPD1, {**{d: d for d in ROLES}, ADMIN: ADMIN_ID})
    b = Side(await second_opd(office.db), dict(B_TIDS))
    async with office.db.transaction(b.opd_id) as session:
        for duty, tid in B_TIDS.items():
            role = ROLES.get(duty, Role.ASN).value
            session.add(
                User(telegram_id=tid, nama=B_NAMES[duty], nip=B_NIPS[duty], jabatan="Staf BRAVO",
                     role=role, status=users.ACTIVE, is_admin=duty == ADMIN, created_at=clock())
            )  # fmt: skip
    for side, tag, nips in ((a, "ALFA", NIP), (b, "BRAVO", B_NIPS)):
        await _periods(office, clock, side, tag, nips)
    await add_day_off(office, ADMIN_ID, A_DAY_OFF, "Rapat ALFA")
    await add_day_off(office, B_TIDS[ADMIN], date(2025, 4, 23), "Rapat BRAVO")
    for side in (a, b):
        await _read_ids(office, side)
    people = {duty: tg.user(tid, B_NAMES[duty].split()[0]) for duty, tid in B_TIDS.items()}
    for user in people.values():
        await user.send("/profil")
        await user.expect("Profil Anda")
    return World(bot, tg, a, b, people, pending.user_id, clock)


# --- what B's people are shown ------------------------------------------------------------------


def _shown(message: BotMessage) -> str:
    """Everything a message shows: text, buttons, and a file's name and content (the XML of an
    .xlsx or .docx, unzipped)."""
    parts = [message.text or "", message.caption or ""]
    parts += [f"{text} {data}" for row in message.buttons for text, data in row]
    content = message.content
    if content:
        parts.append(getattr(message.document, "file_name", "") or "")
        if content[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(content)) as z:
                parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            parts.append(content.decode("utf-8", "replace"))
    return "\n".join(parts)


# The kind of id in each position of a verb's arguments, to find A's ids behind B's buttons.
_PERIOD_VERBS = ("st", "ar", "adp", "kp", "pg", "tla", "tl", "rk", "evgo", "es", "cx")
ID_KINDS = {
    **{verb: ("period",) for verb in _PERIOD_VERBS},
    **{verb: ("user",) for verb in ("usr", "role", "reg", "regx", "on", "off")},
    **{verb: ("user", "user") for verb in ("regc", "rolec")},  # the user, the duty's holder
    **{verb: ("fig",) for verb in ("ev", "ek", "eb")},
    **{verb: ("run",) for verb in ("fin", "ok", "no")},
    "doc": ("doc",),
    "att": ("doc", "run"),
    "lp": ("ind",),
}


def _a_ids(a: Side) -> dict[str, set[int]]:
    return {
        "period": set(a.periods.values()),
        "run": set(a.runs.values()),
        "doc": set(a.docs),
        "user": set(a.users),
        "ind": set(a.indicators),
        "fig": {f for f, _ in a.figures} | {a.evidence},
    }


def assert_only_b(world: World, shown: list[BotMessage]) -> None:
    """No A name, NIP or record in what B was shown, nor an A id behind any of its buttons."""
    a_ids = _a_ids(world.a)
    for message in shown:
        text = _shown(message)
        leaked = [s for s in A_SECRETS if s in text]
        assert not leaked, f"{leaked} shown to OPD B: {message.describe()}"
        assert messages.SOMETHING_WRONG[:40] not in text, message.describe()
        for row in message.buttons:
            for _, data in row:
                verb, *args = (data or "").split(":")
                for kind, arg in zip(ID_KINDS.get(verb, ()), args, strict=False):
                    assert int(arg) not in a_ids[kind], f"A's {kind} behind {data}"


async def acted(
    user: FakeUser, act: Callable[[], Awaitable[object]], profiles: int = 1
) -> list[BotMessage]:
    """What the bot sent or edited in reply to one act: /profil after it marks the end, as one
    user's updates are handled in order (`profiles`: how many profiles come, the act's own
    included)."""
    while not user.inbox_empty():
        await user.next_message()
    sent, edited = len(user.messages), len(user.edits)
    await act()
    await user.send("/profil")
    for _ in range(profiles):
        await user.expect("Profil Anda", timeout=20)
    return user.messages[sent:-1] + user.edits[edited:]


_VOLATILE = {"status", "attempts", "claimed_at", "sent_at", "error", "progress", "not_before"}


async def snapshot(bot: Bot, opd_id: int | None = None) -> dict[str, list]:
    """Every row of every OPD table (of one OPD if told); the outbox without its delivery state,
    which the sender changes as it goes."""
    out = {}
    async with bot.office.db.session(across=True) as session:
        for model in OPD_MODELS:
            query = select(model)
            if opd_id is not None:
                query = query.where(model.opd_id == opd_id)
            rows = (await session.exec(query)).all()
            skip = _VOLATILE if model is Outbox else set()
            out[model.__tablename__] = sorted(
                repr(sorted((k, v) for k, v in r.model_dump().items() if k not in skip))
                for r in rows
            )
    return out


async def delivered(world: World) -> None:
    """Wait until the sender has delivered every message that is due, so no notice arrives in
    the middle of the replies a test compares."""

    async def done() -> bool:
        now = world.clock()
        async with world.bot.office.db.session(across=True) as session:
            rows = select(Outbox).where(col(Outbox.status).in_([outbox.NEW, outbox.CLAIMED]))
            waiting = (await session.exec(rows)).all()
        return all(r.not_before is not None and r.not_before > now for r in waiting)

    await wait_for(done)


@pytest_asyncio.fixture(autouse=True, loop_scope="module")
async def quiet(world: World) -> None:
    """Each test starts with the notices of the earlier ones delivered."""
    await delivered(world)


async def outbox_ids(bot: Bot) -> set[int]:
    async with bot.office.db.session(across=True) as session:
        return set((await session.exec(select(Outbox.id))).all())


async def assert_outbox_to_b_only(world: World, before: set[int]) -> None:
    async with world.bot.office.db.session(across=True) as session:
        new = select(Outbox).where(col(Outbox.id).not_in(before))
        rows = (await session.exec(new)).all()
    b_chats = set(B_TIDS.values())
    assert [(r.kind, r.chat_id) for r in rows if r.chat_id not in b_chats] == []
    assert {r.opd_id for r in rows} <= {world.b.opd_id}


# --- the commands -------------------------------------------------------------------------------

# Every command, as B's people type it; with arguments that name what A has too (the same
# period names, indicator codes and A's day off).
COMMANDS = {
    "start": ("/start",),
    "daftar": ("/daftar",),
    "profil": ("/profil",),
    "bantuan": ("/bantuan",),
    "help": ("/help",),
    "tugas": ("/tugas",),
    "status": ("/status", "/status Triwulan I 2025", "/status Triwulan I 2030"),
    "arsip": ("/arsip",),
    "lapor": ("/lapor",),
    "progres": ("/progres",),
    "template": ("/template",),
    "evaluasi": ("/evaluasi",),
    "tutup_lapor": ("/tutup_lapor",),
    "rekap": ("/rekap",),
    "kepatuhan": ("/kepatuhan",),
    "libur": ("/libur", "/libur hapus 2025-04-22", "/libur masuk 2025-04-22 Rapat BRAVO"),
    "pengguna": ("/pengguna", "/pengguna OPD1"),
    "mulai": ("/mulai",),
    "batalkan": ("/batalkan",),
    "selesai": ("/selesai",),
    "setuju": ("/setuju",),
    "tolak": ("/tolak [1.01] Data BRAVO belum lengkap",),
    "batal": ("/batal",),
    "opd": ("/opd", "/opd admin OPD1 196909211996021001"),
    "pindah": ("/pindah 196909211996021001 OPD2", "/pindah 198801012010001101 OPD1"),
    "kabupaten": ("/kabupaten", "/kabupaten rekap Triwulan I 2025"),
}


async def test_every_command_has_a_cross_opd_case(world: World):
    registered = {
        c for h in every_handler(world.bot.app) if isinstance(h, CommandHandler) for c in h.commands
    }
    assert registered <= set(COMMANDS)
    assert set(COMMANDS) <= registered


@pytest.mark.parametrize("command", sorted(COMMANDS))
async def test_a_command_shows_b_its_own_data_only(world: World, command: str):
    a_before, outbox_before = await snapshot(world.bot, OPD1), await outbox_ids(world.bot)
    for text in COMMANDS[command]:
        for user in world.people.values():
            shown = await acted(user, lambda u=user, t=text: u.send(t), 1 + (command == "profil"))
            if command == "rekap" and not shown:  # answered beside the others (block=False)
                shown.append(await user.next_message(timeout=20))
            shown += await acted(user, lambda u=user: u.send("/batal"))
            assert_only_b(world, shown)
    assert await snapshot(world.bot, OPD1) == a_before
    await assert_outbox_to_b_only(world, outbox_before)


# --- the buttons --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forged:
    """A button pressed by one of B's people ({tw1}, {run_tw4}, {doc}, {fig}, {ver},
    {evidence}, {ind}, {user}, {pending}: ids of the OPD under test), and what the reply of the
    duty it serves says (None: a page of B's own list, checked for A's records only)."""

    data: str
    duty: int
    reply: str | None

    def ghost(self) -> str:
        """The same press with ids (and a day) that exist in no OPD."""
        return re.sub(r"\{\w+\}", str(MAX_ID), self.data).replace("2025-04-22", "2031-01-08")


NOT_FOUND = "tidak ditemukan"
DECIDED = "sudah diambil"
NO_REPORTING = "Tidak ada pelaporan realisasi"
NO_EVALUATION = "Belum ada angka yang menunggu evaluasi"
PRESSES = [
    # registration and users: B's admin with A's people
    Forged("reg:{pending}:asn", ADMIN, NOT_FOUND),
    Forged("regc:{pending}:kd:{user}", ADMIN, NOT_FOUND),
    Forged("regx:{pending}", ADMIN, "sudah diproses"),
    Forged("usp:0", ADMIN, None),
    Forged("usp:1", ADMIN, None),
    Forged("uspo:{opd}:0", ADMIN, "admin kabupaten"),
    Forged("usr:{user}", ADMIN, NOT_FOUND),
    Forged("role:{user}:tim", ADMIN, NOT_FOUND),
    Forged("rolec:{user}:kd:{user}", ADMIN, NOT_FOUND),
    Forged("on:{user}", ADMIN, NOT_FOUND),
    Forged("off:{user}", ADMIN, NOT_FOUND),
    # periods, steps, documents, approval: the B duty that acts on B's own
    Forged("cx:{tw4}", KD, NOT_FOUND),
    Forged("fin:{run_tw4}", SEK, "bukan tugas Anda"),
    Forged("att:{doc}:{run_tw4}", SEK, "sudah ditempatkan"),
    Forged("ok:{run_tw4}", SEK, DECIDED),
    Forged("no:{run_tw4}", SEK, DECIDED),
    Forged("st:{tw1}", KD, NOT_FOUND),
    Forged("stp:0", KD, None),
    Forged("stp:1", KD, None),
    Forged("sta:0", KD, None),
    Forged("ar:{tw1}", KD, NOT_FOUND),
    Forged("arp:0", KD, None),
    Forged("adp:{tw1}:0", KD, NOT_FOUND),
    Forged("doc:{doc}", KD, NOT_FOUND),
    # days off and compliance
    Forged("lbx:2025-04-22", ADMIN, "Tidak ada hari libur"),
    Forged("lbp:0", ADMIN, None),
    Forged("kp:{tw1}", KD, NOT_FOUND),
    Forged("kpp:0", KD, None),
    # indicators: template, progress, closing, recap
    Forged("tpl", ASN1, None),
    Forged("pg:{tw3}", TIM1, "Belum ada periode berjalan"),
    Forged("tla:{tw3}", TIM1, NO_REPORTING),
    Forged("tl:{tw3}", TIM1, NO_REPORTING),
    Forged("tlx", TIM1, None),
    Forged("rk:{tw1}", TIM1, "Tidak ada periode berjalan"),
    # /lapor: A's indicator; the dialog's own buttons carry no id and, outside the dialog,
    # are stale
    Forged("lpgo", ASN1, None),
    Forged("lp:{ind}", ASN1, "tidak bisa diisi"),
    Forged("lpp:0", ASN1, None),
    *(Forged(v, ASN1, messages.STALE_BUTTON[:30]) for v in
      ("lpy", "lpn", "lpb", "lpc", "lpf:d", "lpm:j", "lpok", "lped", "lpx")),
    # /evaluasi: A's figures
    Forged("evgo:{tw2}", TIM1, NO_EVALUATION),
    Forged("ev:{fig}:{ver}", TIM1, NOT_FOUND),
    Forged("ek:{fig}:{ver}", TIM1, NOT_FOUND),
    Forged("es:{tw2}:0", TIM1, NO_EVALUATION),
    Forged("eb:{evidence}", TIM1, "tidak memiliki bukti"),
    # the regency's OPD: registration's choice (a dialog's buttons: stale outside it), /opd and
    # /pindah (a regency admin's: refused to an admin OPD)
    Forged("ro:{opd}", ASN1, messages.STALE_BUTTON[:30]),
    Forged("rop:1", ASN1, messages.STALE_BUTTON[:30]),
    Forged("od:{opd}", ADMIN, "admin kabupaten"),
    Forged("odp:0", ADMIN, "admin kabupaten"),
    Forged("pnd:{user}:{opd}", ADMIN, "admin kabupaten"),
    # the regency's list: for its readers only, never an OPD's people
    Forged("kb:2025-1:0", KD, "hanya untuk Bappeda"),
]  # fmt: skip


async def test_every_button_pattern_has_a_cross_opd_case(world: World):
    patterns = _patterns(world.bot.app)
    handled = {re.match(r"\^\(?([a-z|]+)\)?", p)[1] for p in patterns}
    registered = {v for alternatives in handled for v in alternatives.split("|")}
    covered = {p.data.split(":")[0] for p in PRESSES}
    assert registered <= covered
    assert covered <= registered


@pytest.mark.parametrize("press", PRESSES, ids=lambda p: p.data.split(":")[0] + str(p.duty))
async def test_a_button_forged_with_a_ids_is_refused_and_changes_nothing(
    world: World, press: Forged
):
    """Pressed by each of B's people; the one whose duty the button serves gets the reply an
    id of no OPD gets, so nothing tells A's records apart from ones that do not exist."""
    data = press.data.format(**world.a.ids(), pending=world.pending)
    before = await snapshot(world.bot)
    for duty, user in world.people.items():
        shown = await pressed(user, data)
        assert_only_b(world, shown)
        if duty == press.duty and press.reply is not None:
            replies = [m.plain for m in shown if m.edit_date is None]
            assert any(press.reply in r for r in replies), replies
            if press.ghost() != data:  # the same press again would be a double tap
                ghost = [m.plain for m in await pressed(user, press.ghost()) if m.edit_date is None]
                assert [r.replace("22-04-2025", "08-01-2031") for r in replies] == ghost
    assert await snapshot(world.bot) == before


async def keyboard(user: FakeUser) -> BotMessage:
    """The user's latest message with buttons (a fresh /status choice when none is left), where
    a modified client may send any callback data."""
    here = next((m for m in reversed(user.messages) if m.buttons and not m.deleted), None)
    if here is None:
        (here,) = await acted(user, lambda: user.send("/status"))
    return here


async def pressed(user: FakeUser, data: str) -> list[BotMessage]:
    """A press with any data, as a modified client sends it."""
    here = await keyboard(user)
    shown = await acted(user, lambda: user.press_data(data, here))
    if data.startswith("rk:") and not shown:  # answered beside the other updates (block=False)
        shown.append(await user.next_message(timeout=20))
    return shown


async def test_what_b_does_is_told_to_b_people_only(world: World):
    """B's acts (a figure returned to its PIC, a document for B's step, a user who blocks the
    bot) tell B's people, never A's who hold the same duties; A's rows stay as they were."""
    before, a_before = await outbox_ids(world.bot), await snapshot(world.bot, OPD1)
    tim, sek = world.people[TIM1], world.people[SEK]
    figure, version = world.b.figures[0]
    asked = await pressed(tim, f"ek:{figure}:{version}")
    assert any("catatan" in m.plain.lower() for m in asked), [m.plain for m in asked]
    shown = await acted(tim, lambda: tim.send("Lampirkan data dukung BRAVO"))
    assert any("Dikembalikan ke" in m.plain for m in shown), [m.plain for m in shown]
    shown += await acted(
        sek, lambda: sek.send_document(b"%PDF-1.4 notulen", "Notulen BRAVO.pdf", "application/pdf")
    )
    choice = next(m for m in shown if m.buttons)
    assert any("Triwulan IV 2025" in _shown(m) for m in shown), [m.plain for m in shown]
    assert_only_b(world, shown)
    # B's own unplaced document, forged into A's step: refused as a step of no OPD is.
    await delivered(world)
    doc = choice.buttons[0][0][1].split(":")[1]
    forged = await pressed(sek, f"att:{doc}:{world.a.runs['tw4']}")
    assert [m.plain for m in forged] == [m.plain for m in await pressed(sek, f"att:{doc}:{MAX_ID}")]
    assert await snapshot(world.bot, OPD1) == a_before

    async def blocked() -> bool:
        async with world.bot.office.db.session(across=True) as session:
            who = select(User.blocked_at).where(User.telegram_id == B_TIDS[ASN2])
            return (await session.exec(who)).one() is not None

    world.tg.block(B_TIDS[ASN2])
    await wait_for(blocked)
    world.tg.unblock(B_TIDS[ASN2])

    async def unblocked() -> bool:
        return not await blocked()

    await wait_for(unblocked)  # as it was, for the tests that follow
    await assert_outbox_to_b_only(world, before)
    async with world.bot.office.db.session(across=True) as session:
        new = select(Outbox.kind).where(col(Outbox.id).not_in(before))
        kinds = set((await session.exec(new)).all())
    assert "user_blocked" in kinds and len(kinds) >= 2, kinds
    assert await snapshot(world.bot, OPD1) == a_before


# B's own buttons, pressed by the duty each serves: they show B's records, files included.
OWN = [
    Forged("st:{tw1}", KD, "Status periode Triwulan I 2025"),
    Forged("ar:{tw1}", KD, "Triwulan I 2025"),
    Forged("doc:{doc}", KD, "Nota Dinas"),
    Forged("kp:{tw1}", KD, "Kepatuhan"),
    Forged("pg:{tw3}", TIM1, "Triwulan III 2025"),
    Forged("evgo:{tw2}", TIM1, "Evaluasi"),
    Forged("eb:{evidence}", TIM1, None),
    Forged("lp:{ind}", ASN1, "Ketik realisasi"),
    Forged("usr:{user}", ADMIN, B_NAMES[KD]),
    Forged("tla:{tw3}", TIM1, "Tutup pelaporan"),
    Forged("es:{tw2}:0", TIM1, "Evaluasi"),
]


@pytest.mark.parametrize("press", OWN, ids=lambda p: p.data.split(":")[0])
async def test_b_own_buttons_show_b_records_only(world: World, press: Forged):
    user = world.people[press.duty]
    shown = await pressed(user, press.data.format(**world.b.ids()))
    assert shown, press
    if press.reply is not None:
        assert any(press.reply in m.plain for m in shown), [m.plain for m in shown]
    assert_only_b(world, shown)
    await acted(user, lambda: user.send("/batal"))


async def test_b_recap_workbook_and_chart_hold_b_records_only(world: World):
    tim = world.people[TIM1]
    here = await keyboard(tim)
    shown = await acted(tim, lambda: tim.press_data(f"rk:{world.b.periods['tw2']}", here))
    (workbook,) = [m for m in shown if m.document is not None]
    assert workbook.caption.startswith("Rekapitulasi Hasil Pengukuran Data Kinerja —")
    assert [m for m in shown if m.photo is not None]
    assert "Indikator BRAVO 1" in _shown(workbook)
    assert_only_b(world, shown)


async def test_reminders_of_each_opd_go_to_its_own_people(world: World):
    """A week later every open step of both OPD is overdue: each reminder and escalation goes
    to a person of the step's OPD and names nothing of the other."""
    before = await outbox_ids(world.bot)
    world.clock.advance(days=7)
    await run_scan(world.bot.app)
    async with world.bot.office.db.session(across=True) as session:
        opd_of = dict((await session.exec(select(User.telegram_id, User.opd_id))).all())
        rows = (await session.exec(select(Outbox).where(col(Outbox.id).not_in(before)))).all()
    assert {r.opd_id for r in rows} == {OPD1, world.b.opd_id}
    b_secrets = (*B_NAMES.values(), *B_NIPS.values(), "BRAVO")
    for row in rows:
        assert opd_of.get(row.chat_id, OPD1) == row.opd_id, row
        secrets = A_SECRETS if row.opd_id == world.b.opd_id else b_secrets
        assert not [s for s in secrets if s in row.payload], row
