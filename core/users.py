"""Registration and duties: who may use the bot and in which role."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.engine import Actor, SopError
from core.office import Office
from core.opd import act_for, all_opds, first_opd, opd_by_kode, opd_count
from core.outbox import enqueue, enqueue_users
from core.sop import REGENCY_ROLES, Role
from core.text import ascii_digits, strip_invisible
from storage import queries
from storage.models import AuditLog, Opd, User
from storage.scope import IDENTITY, scope

PENDING, ACTIVE, INACTIVE, REFUSED = "menunggu", "aktif", "nonaktif", "ditolak"
# Added with `kinerja-bot admin add` before registering: an admin, not (yet) an ASN.
ADMIN_ONLY = "admin"
# Duties that exactly one active user holds at a time.
SINGLE_HOLDER = (Role.KEPALA_DINAS, Role.SEKRETARIS)
NOT_REGISTERED = "Anda belum terdaftar. Ketik /daftar untuk mendaftar."
ALREADY_DECIDED = "Permintaan ini sudah diproses. Perannya diubah lewat /pengguna."
AWAITING_APPROVAL = "Pendaftaran Anda masih menunggu persetujuan admin."
ALREADY_REGISTERED = "Anda sudah terdaftar. Ketik /profil untuk melihat data Anda."
_NIP = re.compile(r"^[0-9]{18}$")
REGENCY_ONLY = "Perintah ini hanya untuk admin kabupaten."
UNKNOWN_CHOICE = "OPD itu tidak ada dalam daftar. Pilih OPD Anda dari tombol, atau ketik kodenya."
NIP_TAKEN = (
    "NIP ini sudah terdaftar atau sedang menunggu persetujuan. Hubungi admin bila ini keliru."
)


@dataclass(frozen=True)
class Registered:
    user_id: int
    resubmitted: bool


@dataclass(frozen=True)
class OpdChoice:
    """An OPD as a newcomer picks it."""

    id: int
    kode: str
    nama: str


@dataclass(frozen=True)
class RoleSet:
    user: User
    replaced: User | None


@dataclass(frozen=True)
class NeedsReplaceConfirmation:
    """The duty already has a holder: the admin must confirm handing it over."""

    user: User
    current: User
    role: Role


@asynccontextmanager
async def _unique_guarded(office: Office, refusal: str) -> AsyncIterator[AsyncSession]:
    """A transaction whose unique-index violation (a second request or approval that raced this
    one past the checks) becomes a refusal the user can act on; nothing of it is stored."""
    try:
        async with office.db.transaction() as session:
            yield session
    except IntegrityError as exc:
        raise SopError(refusal) from exc


def clean_nip(text: str) -> str:
    """A NIP is 18 ASCII digits; people type it with spaces or dots, which we drop, and phones
    may send other scripts' digits, which we read as the same digits."""
    digits = re.sub(r"[\s.\-]", "", ascii_digits(strip_invisible(text or "")))
    if not _NIP.match(digits):
        raise SopError("NIP harus 18 digit angka, contoh: 198501012010011001. Silakan ketik ulang.")
    return digits


def clean_text(text: str, what: str, limit: int = 120) -> str:
    """One line of visible text (a name, a jabatan): invisible characters go before checking,
    so a name of zero-width spaces is refused as empty."""
    value = " ".join(strip_invisible(text or "").split())
    if len(value) < 2 or value.startswith("/"):
        raise SopError(f"{what} belum diisi dengan benar. Silakan ketik ulang.")
    if len(value) > limit:
        raise SopError(f"{what} terlalu panjang (maksimal {limit} karakter). Silakan ketik ulang.")
    return value


def is_admin(office: Office, user: User | None, telegram_id: int) -> bool:
    return telegram_id in office.admin_ids or bool(
        user and user.is_admin and user.status != INACTIVE
    )


def is_regency_admin(office: Office, telegram_id: int) -> bool:
    """A regency admin is a Telegram id in ADMIN_IDS; `is_admin` on a row is its OPD's admin."""
    return telegram_id in office.admin_ids


def require_regency(office: Office, telegram_id: int) -> None:
    if not is_regency_admin(office, telegram_id):
        raise SopError(REGENCY_ONLY)


REGENCY_DUTY = (
    "Peran Bappeda dan Inspektorat hanya dapat diberikan atau dicabut oleh admin kabupaten."
)


def to_actor(user: User, office: Office) -> Actor:
    return Actor(user.id, Role(user.role), is_admin(office, user, user.telegram_id), user.nama)


async def audit(
    session: AsyncSession,
    action: str,
    now,
    user_id: int | None,
    period_id=None,
    opd_id: int | None = None,
    **detail,
) -> AuditLog:
    """Append to the audit log; the row's id also names the messages this act sends. `opd_id`
    only in a regency-wide session: a scoped one stamps its own."""
    row = AuditLog(
        opd_id=opd_id,
        at=now,
        user_id=user_id,
        action=action,
        period_id=period_id,
        detail=json.dumps(detail, default=str),
    )
    session.add(row)
    await session.flush()
    return row


async def acting_user(session: AsyncSession, telegram_id: int) -> User | None:
    """The user behind a Telegram id (any status), if any: from here on the session reads and
    writes that user's OPD only (core.opd.act_for)."""
    user = await queries.user_by_telegram(session=session, telegram_id=telegram_id)
    await act_for(session, user)
    return user


async def active_user(session: AsyncSession, telegram_id: int) -> User:
    """The registered, active user behind a Telegram id, or a refusal that says what to do."""
    user = await acting_user(session, telegram_id)
    if user is None or user.status in (REFUSED, ADMIN_ONLY):
        raise SopError(NOT_REGISTERED)
    if user.status == PENDING:
        raise SopError(AWAITING_APPROVAL)
    if user.status == INACTIVE:
        raise SopError("Akun Anda dinonaktifkan. Hubungi admin bila ini keliru.")
    return user


async def require_admin(office: Office, session: AsyncSession, telegram_id: int) -> User | None:
    user = await acting_user(session, telegram_id)
    if not is_admin(office, user, telegram_id):
        raise SopError("Perintah ini hanya untuk admin.")
    return user


async def user_by_id(session: AsyncSession, user_id: int) -> User | None:
    """A person by id across the regency: the target a regency admin acts on names its OPD."""
    q = select(User).where(User.id == user_id).execution_options(**IDENTITY)
    return (await session.exec(q)).first()


async def _admin_on(
    office: Office, session: AsyncSession, admin_telegram_id: int, user_id: int
) -> tuple[User | None, User | None]:
    """The admin and the user they act on, with the session acting for that user's OPD: an
    OPD's admin reaches the users of their own OPD only; a regency admin reaches any, the OPD
    taken from the target's row, never from the button."""
    if not is_regency_admin(office, admin_telegram_id):
        admin = await require_admin(office, session, admin_telegram_id)
        target = await session.get(User, user_id)
        return admin, target if target is not None and target.opd_id == admin.opd_id else None
    admin = await queries.user_by_telegram(session=session, telegram_id=admin_telegram_id)
    target = await user_by_id(session, user_id)
    if target is None:
        await act_for(session, admin)
    else:
        scope(session, target.opd_id)
    return admin, target


async def lookup(office: Office, telegram_id: int) -> tuple[User | None, bool]:
    """The user row (any status) and whether this Telegram id is an admin."""
    async with office.db.session() as session:
        user = await acting_user(session, telegram_id)
        return user, is_admin(office, user, telegram_id)


async def office_name(office: Office, telegram_id: int) -> str:
    """The office a /start speaks for: the user's OPD's; for a stranger the one OPD's, or in a
    regency of several the deployment's OFFICE_NAME (registration asks which OPD)."""
    async with office.db.session() as session:
        user = await acting_user(session, telegram_id)
        if user is None and await opd_count(session) > 1:
            return office.name
        return (await office.opd(session)).office_name


class AlreadyIn(SopError):
    """Registered or waiting already: a registration dialog that gets this has nothing left to
    ask (its request may have been filed by a process that died before the dialog ended)."""


def _require_unregistered(user: User | None) -> None:
    if user is not None and user.status in (ACTIVE, INACTIVE):
        raise AlreadyIn(ALREADY_REGISTERED)
    if user is not None and user.status == PENDING:
        raise AlreadyIn(AWAITING_APPROVAL)


async def check_can_register(office: Office, telegram_id: int) -> None:
    """Before the /daftar dialog asks anything: not for users already in or waiting."""
    async with office.db.session() as session:
        _require_unregistered(await acting_user(session, telegram_id))


async def check_active(office: Office, telegram_id: int) -> User:
    async with office.db.session() as session:
        return await active_user(session, telegram_id)


async def _require_free_nip(session: AsyncSession, nip: str, telegram_id: int) -> None:
    taken = (
        await session.exec(
            select(User.id)
            .where(
                User.nip == nip,
                col(User.status).in_([ACTIVE, PENDING]),
                User.telegram_id != telegram_id,
            )
            .execution_options(**IDENTITY)
        )
    ).first()
    if taken is not None:
        raise SopError(NIP_TAKEN)


async def free_nip(office: Office, text: str, telegram_id: int) -> str:
    """The typed NIP, cleaned, if no other active or pending user has it: asked at the NIP
    question, so nobody types a jabatan for a request that would be refused."""
    nip = clean_nip(text)
    async with office.db.session() as session:
        await _require_free_nip(session, nip, telegram_id)
    return nip


async def registration_opds(office: Office) -> list[OpdChoice]:
    """The OPD a newcomer picks from, by name; one OPD (a single office) means nothing to ask."""
    async with office.db.session() as session:
        opds = await all_opds(session)
    return [OpdChoice(o.id, o.kode, o.nama) for o in opds] if len(opds) > 1 else []


async def chosen_opd(office: Office, choice: int | str) -> OpdChoice:
    """The OPD a newcomer pressed (an id) or typed (a kode): any OPD of the regency, since a
    person may register into any; an id or kode that is none of them is asked again."""
    async with office.db.session() as session:
        if isinstance(choice, int):
            opd = await session.get(Opd, choice)
        else:
            opd = await opd_by_kode(session, choice, UNKNOWN_CHOICE)
    if opd is None:
        raise SopError(UNKNOWN_CHOICE)
    return OpdChoice(opd.id, opd.kode, opd.nama)


async def _registering(
    session: AsyncSession, telegram_id: int, opd_id: int | None
) -> tuple[User | None, Opd | None]:
    """The person's row (any status) and the OPD they chose, the session acting for it; when
    nothing was asked, for their own OPD or the only one."""
    if opd_id is None:
        return await acting_user(session, telegram_id), None
    user = await queries.user_by_telegram(session=session, telegram_id=telegram_id)
    opd = await session.get(Opd, opd_id)
    if opd is None:
        raise SopError(UNKNOWN_CHOICE)
    scope(session, opd_id)
    return user, opd


async def _request_chats(office: Office, session: AsyncSession) -> set[int]:
    """Who hears of a request: its OPD's admins; the regency admins when it has none, or when
    the regency is one office (its ADMIN_IDS admins are that office's admins, as always)."""
    admins = await queries.admin_users(session=session)
    chats = {a.telegram_id for a in admins}
    if not chats or await opd_count(session) == 1:
        chats |= office.admin_ids
    return chats


async def register(
    office: Office,
    telegram_id: int,
    username: str | None,
    nama: str,
    nip: str,
    jabatan: str,
    opd_id: int | None = None,
) -> Registered:
    """File a registration request (or renew a refused one) into the chosen OPD (`None`: the
    regency's only one) and tell that OPD's admins."""
    now = office.clock()
    async with _unique_guarded(office, NIP_TAKEN) as session:
        user, opd = await _registering(session, telegram_id, opd_id)
        _require_unregistered(user)
        await _require_free_nip(session, nip, telegram_id)
        resubmitted = user is not None
        if user is None:
            user = User(telegram_id=telegram_id, nama=nama, nip=nip, jabatan=jabatan)
        elif opd is not None and user.opd_id != opd.id:
            # A refused or admin-only row renewed into another OPD: the admin duty was that
            # OPD's, and stays there.
            user.opd_id, user.is_admin = opd.id, False
        user.nama, user.nip, user.jabatan, user.username = nama, nip, jabatan, username
        user.status, user.created_at = PENDING, now
        session.add(user)
        await session.flush()
        act = await audit(session, "daftar", now, user.id, nama=nama, jabatan=jabatan)
        payload = {"user_id": user.id, "nama": nama, "nip": nip, "jabatan": jabatan}
        payload["username"] = username
        if opd is not None:
            payload["opd"] = opd.nama
        for chat_id in sorted(await _request_chats(office, session)):
            await enqueue(
                session,
                key=f"daftar:{act.id}:{chat_id}",
                chat_id=chat_id,
                kind="registration_request",
                payload=payload,
                now=now,
            )
        return Registered(user.id, resubmitted)


def _regency_duty(role: str) -> bool:
    return role in (r.value for r in REGENCY_ROLES)


async def set_role(
    office: Office,
    admin_telegram_id: int,
    user_id: int,
    role: Role,
    confirm: bool = False,
    *,
    holder: int | None = None,
    request: bool = False,
) -> RoleSet | NeedsReplaceConfirmation:
    """Approve a request or change a duty; a single-holder duty moves only with confirmation,
    for the holder the admin was asked about (`holder`; another holder since is asked about
    again). A registration request (`request`) is answered once: its buttons stay in every
    admin's chat, and a later press must not change the duty of a user already approved."""
    now = office.clock()
    busy = "Peran ini baru saja diberikan kepada orang lain. Buka /pengguna untuk melihatnya."
    async with _unique_guarded(office, busy) as session:
        admin, user = await _admin_on(office, session, admin_telegram_id, user_id)
        if user is None or user.status in (REFUSED, ADMIN_ONLY):
            raise SopError("Pengguna tidak ditemukan atau permintaannya sudah ditolak.")
        if request and user.status != PENDING:
            raise SopError(ALREADY_DECIDED)
        if user.status == INACTIVE:
            raise SopError(f"{user.nama} nonaktif. Aktifkan dulu sebelum mengubah peran.")
        regency_duty = role in REGENCY_ROLES or _regency_duty(user.role)
        if regency_duty and not is_regency_admin(office, admin_telegram_id):
            raise SopError(REGENCY_DUTY)
        replaced = None
        if role in SINGLE_HOLDER:
            holders = await queries.active_users(session=session, role=role.value)
            current = next((h for h in holders if h.id != user.id), None)
            if current is not None and (not confirm or holder not in (None, current.id)):
                return NeedsReplaceConfirmation(user, current, role)
            if current is not None:
                current.role = Role.ASN.value
                session.add(current)
                await session.flush()  # the duty is free before the new holder takes it
                replaced = current
        was_pending = user.status == PENDING
        user.role, user.status = role.value, ACTIVE
        if was_pending:
            user.approved_at, user.approved_by = now, admin.id if admin else None
        session.add(user)
        act = await audit(
            session,
            "setujui_pendaftaran" if was_pending else "ubah_peran",
            now,
            admin.id if admin else None,
            target=user.id,
            role=role.value,
            replaced=replaced.id if replaced else None,
            admin_telegram_id=admin_telegram_id,
        )
        stamp = act.id
        kind = "registration_approved" if was_pending else "role_changed"
        await enqueue_users(
            session,
            [user],
            key=f"peran:{stamp}",
            kind=kind,
            payload={"role": role.label, "nama": user.nama},
            now=now,
        )
        if replaced is not None:
            await enqueue_users(
                session,
                [replaced],
                key=f"peran:{stamp}",
                kind="role_changed",
                payload={"role": Role.ASN.label, "nama": replaced.nama},
                now=now,
            )
        return RoleSet(user, replaced)


async def refuse(office: Office, admin_telegram_id: int, user_id: int) -> User:
    now = office.clock()
    async with office.db.transaction() as session:
        admin, user = await _admin_on(office, session, admin_telegram_id, user_id)
        if user is None or user.status != PENDING:
            raise SopError(ALREADY_DECIDED)
        user.status = REFUSED
        session.add(user)
        act = await audit(
            session, "tolak_pendaftaran", now, admin.id if admin else None, target=user.id
        )
        await enqueue_users(
            session,
            [user],
            key=f"tolak_daftar:{act.id}",
            kind="registration_refused",
            payload={"nama": user.nama},
            now=now,
        )
        return user


async def set_active(office: Office, admin_telegram_id: int, user_id: int, active: bool) -> User:
    """Deactivate (or reactivate) a user; the record and their history stay."""
    now = office.clock()
    taken = "NIP pengguna ini sudah dipakai pengguna aktif lain; nonaktifkan dulu yang keliru."
    async with _unique_guarded(office, taken) as session:
        admin, user = await _admin_on(office, session, admin_telegram_id, user_id)
        if user is None or user.status not in (ACTIVE, INACTIVE):
            raise SopError("Pengguna tidak ditemukan.")
        if _regency_duty(user.role) and not is_regency_admin(office, admin_telegram_id):
            raise SopError(REGENCY_DUTY)  # switching them off or on is granting or taking it
        if not active and user.role in (r.value for r in SINGLE_HOLDER):
            user.role = Role.ASN.value
        user.status = ACTIVE if active else INACTIVE
        session.add(user)
        await audit(
            session,
            "aktifkan" if active else "nonaktifkan",
            now,
            admin.id if admin else None,
            target=user.id,
        )
        return user


async def _listed(session: AsyncSession) -> list[User]:
    rows = (await session.exec(select(User).order_by(User.status, User.nama))).all()
    return [r for r in rows if r.status in (ACTIVE, INACTIVE, PENDING)]


async def list_users(office: Office, admin_telegram_id: int) -> list[User]:
    """The admin's own OPD's users."""
    async with office.db.session() as session:
        await require_admin(office, session, admin_telegram_id)
        return await _listed(session)


async def opd_users(
    office: Office, admin_telegram_id: int, opd: int | str
) -> tuple[OpdChoice, list[User]]:
    """Another OPD's users, for a regency admin: named by its kode as typed, or by its id on
    the list's page buttons (the admin's own choice, checked again at every press)."""
    require_regency(office, admin_telegram_id)
    async with office.db.session() as session:
        found = await session.get(Opd, opd) if isinstance(opd, int) else None
        if found is None:
            found = await opd_by_kode(session, str(opd))
        scope(session, found.id)
        return OpdChoice(found.id, found.kode, found.nama), await _listed(session)


async def get_user(office: Office, admin_telegram_id: int, user_id: int) -> User:
    async with office.db.session() as session:
        _, user = await _admin_on(office, session, admin_telegram_id, user_id)
        if user is None:
            raise SopError("Pengguna tidak ditemukan.")
        return user


async def add_admin(office: Office, telegram_id: int, kode: str | None = None) -> User:
    """The CLI's `admin add`: a known user gets their OPD's admin duty; an unknown id is kept
    as admin only, of the OPD of `kode` (default: the first)."""
    async with office.db.transaction() as session:
        opd_id = (await opd_by_kode(session, kode)).id if kode else None
        return await make_admin(session, telegram_id, opd_id, office.clock())


async def make_admin(
    session: AsyncSession, telegram_id: int, opd_id: int | None, now: datetime
) -> User:
    """`telegram_id` becomes an admin of `opd_id` (`None`: of their own OPD, or the first), in
    the caller's transaction; someone registered in another OPD is moved first, not here."""
    user = await queries.user_by_telegram(session=session, telegram_id=telegram_id)
    if user is not None and opd_id is not None and user.opd_id != opd_id:
        raise SopError(
            f"{user.nama} terdaftar di OPD lain. Pindahkan dulu dengan /pindah, lalu ulangi."
        )
    scope(session, user.opd_id if user is not None else opd_id or await first_opd(session))
    if user is None:
        user = User(
            telegram_id=telegram_id,
            nama=f"Admin {telegram_id}",
            nip="-",
            jabatan="Admin",
            status=ADMIN_ONLY,
            created_at=now,
        )
    user.is_admin = True
    session.add(user)
    await session.flush()
    await audit(session, "tambah_admin", now, None, target=user.id)
    return user
