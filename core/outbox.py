"""Messages to anyone but the acting user are rows written in the action's own transaction.

One sender task delivers them later; the unique key makes a second write of the same message
a no-op, so a retried action or an overlapping scan cannot double it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Document, Outbox, User

log = logging.getLogger(__name__)

NEW, CLAIMED, SENT, FAILED, BLOCKED = "baru", "diklaim", "terkirim", "gagal", "diblokir"
# A live sender refreshes its claims every CLAIM_REFRESH; a claim older than STALE_CLAIM
# belongs to a process that died mid-send, and another process sends the row again.
CLAIM_REFRESH = timedelta(seconds=5)
STALE_CLAIM = timedelta(seconds=20)
# Rows of one chat taken per claim: a chat with a backlog of hundreds never holds others back.
PER_CHAT_CLAIM = 10
# Rows of one OPD taken per claim, the OPD's rows interleaved: one OPD's broadcast never fills
# a claim (or a process, with several on PostgreSQL) while another OPD's reminders wait.
PER_OPD_CLAIM = 100
TAKEN_OVER = "dikirim ulang: klaim sebelumnya tidak selesai"
# A send Telegram did not answer (timeout, network): it may have arrived, and goes again.
NO_ANSWER = "dikirim ulang: Telegram tidak menjawab"
MAX_ATTEMPTS = 5
CLEARED = "{}"


@dataclass(frozen=True)
class Message:
    id: int
    chat_id: int
    kind: str
    payload: dict
    attempts: int
    progress: int
    # Its OPD: texts show times in that OPD's calendar.
    opd_id: int


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    chat_id: int,
    kind: str,
    payload: dict,
    now: datetime,
    not_before: datetime | None = None,
    opd_id: int | None = None,
) -> None:
    """`opd_id` only in a regency-wide session (an act that spans two OPD); a scoped session
    stamps its own."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    own = {} if opd_id is None else {"opd_id": opd_id}
    stmt = (
        insert(Outbox)
        .values(
            **own,
            key=key,
            chat_id=chat_id,
            kind=kind,
            payload=json.dumps(payload, default=str),
            status=NEW,
            attempts=0,
            not_before=not_before or now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    await session.exec(stmt)


async def enqueue_users(
    session: AsyncSession,
    users: Sequence[User],
    *,
    key: str,
    kind: str,
    payload: dict,
    now: datetime,
    opd_id: int | None = None,
) -> int:
    """The same message to several users; the key gets the recipient appended. `opd_id` as
    for `enqueue`."""
    for user in users:
        await enqueue(
            session,
            key=f"{key}:{user.id}",
            chat_id=user.telegram_id,
            kind=kind,
            payload=payload,
            now=now,
            opd_id=opd_id,
        )
    return len(users)


async def release_claims(session: AsyncSession) -> int:
    """At start on SQLite (one process), any claimed row belongs to a process that died:
    hand it back at once instead of waiting for the claim to go stale."""
    res = await session.exec(
        update(Outbox)
        .where(Outbox.status == CLAIMED)
        .values(status=NEW, error="dikirim ulang setelah proses berhenti mendadak")
    )
    return res.rowcount


async def claim(
    session: AsyncSession,
    now: datetime,
    limit: int,
    *,
    held: Collection[int] = (),
    busy: Collection[int] = (),
) -> list[Message]:
    """Take due rows for sending; on PostgreSQL several processes may claim side by side.
    `held` are the rows the caller still holds itself: a stale-looking claim of its own is
    still in its hands, not a dead process's. `busy` are chats the caller is answering: their
    notices wait, so a user reads the answer to what they did before the notices it caused."""
    takeable = (
        col(Outbox.id).not_in(held) if held else true(),
        col(Outbox.chat_id).not_in(busy) if busy else true(),
        or_(
            Outbox.status == NEW,
            (Outbox.status == CLAIMED) & (col(Outbox.claimed_at) < now - STALE_CLAIM),
        ),
        or_(col(Outbox.not_before).is_(None), col(Outbox.not_before) <= now),
    )
    per_chat = (
        select(
            Outbox.id,
            Outbox.opd_id,
            func.row_number().over(partition_by=Outbox.chat_id, order_by=col(Outbox.id)).label("n"),
        )
        .where(*takeable)
        .subquery()
    )
    per_opd = (
        select(
            per_chat.c.id,
            func.row_number()
            .over(partition_by=per_chat.c.opd_id, order_by=per_chat.c.id)
            .label("turn"),
        )
        .where(per_chat.c.n <= PER_CHAT_CLAIM)
        .subquery()
    )
    # The conditions again on the rows themselves: PostgreSQL re-checks them on a row another
    # claimer committed meanwhile (the subquery's snapshot would still call it free). Ordered
    # by each OPD's turn: the first row of every OPD, then the second of every OPD, …
    due = (
        select(Outbox)
        .join(per_opd, per_opd.c.id == Outbox.id)
        .where(per_opd.c.turn <= PER_OPD_CLAIM, *takeable)
        .order_by(per_opd.c.turn, col(Outbox.id))
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        due = due.with_for_update(of=Outbox, skip_locked=True)
    rows = (await session.exec(due)).all()
    claimed = []
    for row in rows:
        if row.status == CLAIMED:
            # The process that claimed it died, perhaps between Telegram's answer and the mark:
            # the row goes again and may arrive twice; the log and the row say so.
            row.error = TAKEN_OVER
            log.warning("outbox %s (%s): stale claim taken over, may arrive twice", row.id, row.key)
        row.status, row.claimed_at, row.attempts = CLAIMED, now, row.attempts + 1
        session.add(row)
        claimed.append(
            Message(
                row.id,
                row.chat_id,
                row.kind,
                json.loads(row.payload),
                row.attempts,
                row.progress,
                row.opd_id,
            )
        )
    return claimed


async def refresh_claims(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    """The sender still holds these rows (a long 429, a slow upload): their claims stay fresh,
    so no other process takes them while this one lives."""
    if ids:
        await session.exec(
            update(Outbox)
            .where(col(Outbox.id).in_(list(ids)), Outbox.status == CLAIMED)
            .values(claimed_at=now)
        )


async def mark(
    session: AsyncSession,
    message_id: int,
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
    progress: int | None = None,
) -> None:
    values: dict = {"status": status, "error": error}
    if progress is not None:
        values["progress"] = progress
    if status == SENT:
        values["sent_at"] = now
    if retry_at is not None:
        values.update(status=NEW, not_before=retry_at)
    await session.exec(update(Outbox).where(col(Outbox.id) == message_id).values(**values))


async def mark_sent(session: AsyncSession, message_ids: Sequence[int], now: datetime) -> None:
    """Several delivered rows in one statement: the sender gathers its marks for a moment. The
    error column keeps the last trouble a row had on its way (a takeover, a network error)."""
    await session.exec(
        update(Outbox).where(col(Outbox.id).in_(message_ids)).values(status=SENT, sent_at=now)
    )


async def pending_count(session: AsyncSession) -> int:
    q = select(func.count()).select_from(Outbox).where(col(Outbox.status).in_([NEW, CLAIMED]))
    return (await session.exec(q)).one()


async def backlog(session: AsyncSession, now: datetime) -> tuple[int, datetime | None]:
    """Rows due now and not yet sent, and since when the oldest of them has been due. A row
    held back until office hours is not late before then, so it counts from its `not_before`."""
    due_since = func.coalesce(Outbox.not_before, Outbox.created_at)
    q = select(func.count(), func.min(due_since)).where(
        col(Outbox.status).in_([NEW, CLAIMED]),
        or_(col(Outbox.not_before).is_(None), col(Outbox.not_before) <= now),
    )
    count, oldest = (await session.exec(q)).one()
    return count, oldest


async def document_for_sending(office, doc_id: int) -> tuple[Document, bytes]:
    async with office.db.session(across=True) as session:
        doc = await session.get(Document, doc_id)
        return doc, await office.files.read(doc.sha256)


async def remember_file_id(office, doc_id: int, file_id: str) -> None:
    """Telegram keeps a file we uploaded: the next send reuses its id instead of the bytes."""
    async with office.db.transaction(across=True) as session:
        await session.exec(
            update(Document).where(col(Document.id) == doc_id).values(telegram_file_id=file_id)
        )


async def clear_delivered(office, now: datetime) -> int:
    """Empty the payload of rows delivered (or given up) longer ago than the office keeps them:
    NIPs and notes do not stay in delivery rows for ever. The row and its key stay, so a late
    retry of the same action is still a no-op; the audit log keeps what the archive needs."""
    if office.outbox_retention is None:
        return 0
    async with office.db.transaction(across=True) as session:
        res = await session.exec(
            update(Outbox)
            .where(
                col(Outbox.status).in_([SENT, FAILED, BLOCKED]),
                func.coalesce(Outbox.sent_at, Outbox.created_at) < now - office.outbox_retention,
                Outbox.payload != CLEARED,
            )
            .values(payload=CLEARED)
        )
        return res.rowcount
