"""The regency's acts on its OPD: create one, name its admin, move a person to another OPD.

Only regency admins (ADMIN_IDS) act here, and the operator at the command line. Each act is
audited in the OPD it concerns (a move in both).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.engine import RUNNING, SopError
from core.office import Office
from core.opd import all_opds, clean_kode, opd_by_kode
from core.outbox import enqueue, enqueue_users
from core.sop import Role
from core.users import (
    ACTIVE,
    INACTIVE,
    PENDING,
    audit,
    clean_nip,
    clean_text,
    make_admin,
    require_regency,
    user_by_id,
)
from storage.models import Indicator, Opd, Period, User
from storage.scope import scope

OPD_USAGE = (
    "Cara menambah OPD: <code>/opd tambah KODE Nama OPD</code>, misalnya "
    "<code>/opd tambah DINKES Dinas Kesehatan</code>."
)
ADMIN_USAGE = (
    "Cara menunjuk admin OPD: <code>/opd admin KODE NIP</code>; orangnya harus sudah terdaftar "
    "dan aktif di OPD itu."
)
MOVE_USAGE = "Cara memindahkan pegawai: <code>/pindah NIP KODE_OPD_TUJUAN</code>."


@dataclass(frozen=True)
class OpdSummary:
    id: int
    kode: str
    nama: str
    office_name: str
    users: int
    admins: tuple[str, ...]


@dataclass(frozen=True)
class Move:
    """A person's move to another OPD, as asked and, once done, as done."""

    user_id: int
    telegram_id: int
    nama: str
    role: Role
    source: str
    target_id: int
    target: str
    # Their indicators in the old OPD's running periods, left to that OPD to hand over.
    indicators: int = 0


async def add_opd(
    office: Office,
    kode: str,
    nama: str,
    office_name: str | None = None,
    *,
    admin_telegram_id: int | None = None,
    by: int | None = None,
) -> Opd:
    """A new OPD (with, if given, its first admin, as `admin add` makes one); `by` is the
    regency admin who asked in the bot, none from the command line."""
    kode = clean_kode(kode)
    nama = clean_text(nama, "Nama OPD")
    office_name = clean_text(office_name, "Nama kantor") if office_name else nama
    now = office.clock()
    async with office.db.transaction() as session:
        taken = (await session.exec(select(Opd).where(Opd.kode == kode))).first()
        if taken is not None:
            raise SopError(f"Kode {kode} sudah dipakai oleh {taken.nama}. Pilih kode lain.")
        opd = Opd(kode=kode, nama=nama, office_name=office_name, created_at=now)
        session.add(opd)
        await session.flush()
        scope(session, opd.id)  # the rest of this act is the new OPD's
        await audit(session, "tambah_opd", now, None, kode=kode, nama=nama, admin_telegram_id=by)
        if admin_telegram_id is not None:
            await make_admin(session, admin_telegram_id, opd.id, now)
        return opd


async def create_opd(office: Office, telegram_id: int, text: str) -> Opd:
    """`/opd tambah KODE Nama OPD` from a regency admin."""
    require_regency(office, telegram_id)
    kode, _, nama = text.strip().partition(" ")
    if not kode or not nama.strip():
        raise SopError(OPD_USAGE)
    return await add_opd(office, kode, nama, by=telegram_id)


async def opd_list(office: Office) -> list[OpdSummary]:
    """Every OPD by name, with its active users and its admins."""
    async with office.db.session(across=True) as session:
        opds = await all_opds(session)
        counted = select(User.opd_id, func.count()).where(User.status == ACTIVE)
        counts = dict((await session.exec(counted.group_by(col(User.opd_id)))).all())
        admins: dict[int, list[str]] = defaultdict(list)
        named = select(User.opd_id, User.nama).where(col(User.is_admin), User.status != INACTIVE)
        for opd_id, nama in (await session.exec(named.order_by(col(User.nama)))).all():
            admins[opd_id].append(nama)
    return [
        OpdSummary(o.id, o.kode, o.nama, o.office_name, counts.get(o.id, 0), tuple(admins[o.id]))
        for o in opds
    ]


async def regency_opds(office: Office, telegram_id: int) -> list[OpdSummary]:
    """`/opd`: the list, for regency admins only."""
    require_regency(office, telegram_id)
    return await opd_list(office)


async def grant_opd_admin(office: Office, telegram_id: int, text: str) -> tuple[User, Opd]:
    """`/opd admin KODE NIP`: an active user of that OPD becomes its admin, and is told."""
    require_regency(office, telegram_id)
    kode, _, nip_text = text.strip().partition(" ")
    if not kode or not nip_text.strip():
        raise SopError(ADMIN_USAGE)
    nip = clean_nip(nip_text)
    now = office.clock()
    async with office.db.transaction() as session:
        opd = await opd_by_kode(session, kode)
        scope(session, opd.id)
        q = select(User).where(User.nip == nip, User.status == ACTIVE)
        user = (await session.exec(q)).first()
        if user is None:
            raise SopError(
                f"Tidak ada pengguna aktif dengan NIP itu di {opd.nama}. Periksa NIP-nya; bila "
                "orangnya terdaftar di OPD lain, pindahkan dulu dengan /pindah."
            )
        if user.is_admin:
            raise SopError(f"{user.nama} sudah menjadi admin {opd.nama}.")
        user.is_admin = True
        session.add(user)
        act = await audit(
            session, "admin_opd", now, None, target=user.id, admin_telegram_id=telegram_id
        )
        await enqueue_users(
            session,
            [user],
            key=f"admin_opd:{act.id}",
            kind="opd_admin",
            payload={"opd": opd.nama},
            now=now,
        )
        return user, opd


async def _move_of(session: AsyncSession, user: User | None, target: Opd) -> Move:
    if user is None:
        raise SopError("Tidak ada pengguna aktif dengan NIP itu. Periksa NIP-nya.")
    if user.status == PENDING:
        raise SopError(
            f"Pendaftaran {user.nama} masih menunggu persetujuan. Setujui atau tolak dulu."
        )
    if user.status != ACTIVE:
        raise SopError(f"{user.nama} tidak aktif. Aktifkan dulu sebelum memindahkannya.")
    if user.opd_id == target.id:
        raise SopError(f"{user.nama} sudah berada di {target.nama}.")
    source = await session.get(Opd, user.opd_id)
    return Move(
        user.id, user.telegram_id, user.nama, Role(user.role), source.nama, target.id, target.nama
    )


async def plan_move(office: Office, telegram_id: int, text: str) -> Move:
    """`/pindah NIP KODE`: what would move, for the regency admin to confirm."""
    require_regency(office, telegram_id)
    nip_text, _, kode = text.strip().rpartition(" ")
    if not nip_text.strip() or not kode:
        raise SopError(MOVE_USAGE)
    nip = clean_nip(nip_text)
    async with office.db.session(across=True) as session:
        target = await opd_by_kode(session, kode)
        q = select(User).where(User.nip == nip, col(User.status).in_([ACTIVE, PENDING]))
        return await _move_of(session, (await session.exec(q)).first(), target)


async def move_user(office: Office, telegram_id: int, user_id: int, opd_id: int) -> Move:
    """The confirmed move: the person's row goes to the other OPD as an ASN, no longer an admin;
    what they did stays with the old OPD (figures, documents and audit rows keep its id), and
    the indicators they hold there stay as they are (counted, for the admin to hear)."""
    require_regency(office, telegram_id)
    now = office.clock()
    async with office.db.transaction(across=True) as session:
        user = await user_by_id(session, user_id)
        target = await session.get(Opd, opd_id)
        if target is None:
            raise SopError("OPD tujuan tidak ditemukan. Ulangi dengan /pindah NIP KODE.")
        move = await _move_of(session, user, target)
        source_id = user.opd_id
        held = (
            select(func.count())
            .select_from(Indicator)
            .join(Period, col(Period.id) == Indicator.period_id)
            .where(
                Indicator.pic_user_id == user.id,
                Indicator.opd_id == source_id,
                Period.status == RUNNING,
            )
        )
        indicators = (await session.exec(held)).one()
        user.opd_id, user.role, user.is_admin = target.id, Role.ASN.value, False
        session.add(user)
        await session.flush()
        detail = {
            "target": user.id,
            "dari": source_id,
            "ke": target.id,
            "peran": move.role.value,
            "admin_telegram_id": telegram_id,
        }
        await audit(session, "pindah_keluar", now, None, opd_id=source_id, **detail)
        act = await audit(session, "pindah_masuk", now, None, opd_id=target.id, **detail)
        await enqueue(
            session,
            key=f"pindah:{act.id}",
            chat_id=user.telegram_id,
            kind="moved",
            payload={"opd": target.nama, "dari": move.source},
            now=now,
            opd_id=target.id,
        )
    office.forget_user(move.telegram_id)
    return replace(move, indicators=indicators)
