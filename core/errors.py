"""Telling admins that something failed, through the outbox, with no personal data in it.

A failure that repeats (a forged button pressed in a loop, a flaky network) must not flood the
admins: one alert per kind of failure, place and hour, counting the repeats, and at most
`MAX_ALERTS_PER_HOUR` alerts an hour to each admin; the log keeps every one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.office import Office
from core.opd import act_for
from core.outbox import enqueue
from storage.models import Outbox

log = logging.getLogger(__name__)

ERROR_KIND = "error"
MAX_ALERTS_PER_HOUR = 10


def _key(summary: str, window: datetime, admin_id: int) -> str:
    digest = hashlib.sha256(summary.encode()).hexdigest()[:16]
    return f"galat:{digest}:{window:%Y%m%d%H}:{admin_id}"


async def _row(session: AsyncSession, key: str) -> Outbox | None:
    return (await session.exec(select(Outbox).where(Outbox.key == key))).first()


async def _alerts_since(session: AsyncSession, admin_id: int, since: datetime) -> int:
    q = (
        select(func.count())
        .select_from(Outbox)
        .where(
            Outbox.chat_id == admin_id,
            Outbox.kind == ERROR_KIND,
            col(Outbox.created_at) >= since,
        )
    )
    return (await session.exec(q)).one()


async def report_failure(office: Office, summary: str) -> None:
    """The summary names the error class and the handler only (never what the user typed)."""
    now = office.clock()
    window = now.replace(minute=0, second=0, microsecond=0)
    async with office.db.transaction() as session:
        # Alerts to the regency's admins are kept with the first OPD until OPD have admins.
        await act_for(session, None)
        for admin_id in office.admin_ids:
            key = _key(summary, window, admin_id)
            row = await _row(session, key)
            if row is not None:  # a repeat within the hour: counted on the alert, not resent
                payload = json.loads(row.payload)
                payload["count"] = payload.get("count", 1) + 1
                row.payload = json.dumps(payload)
                session.add(row)
                continue
            if await _alerts_since(session, admin_id, now - timedelta(hours=1)) >= (
                MAX_ALERTS_PER_HOUR
            ):
                log.warning("alert to admin %s held back (hourly limit): %s", admin_id, summary)
                continue
            earlier = await _row(session, _key(summary, window - timedelta(hours=1), admin_id))
            before = json.loads(earlier.payload).get("count", 1) if earlier else 0
            await enqueue(
                session,
                key=key,
                chat_id=admin_id,
                kind=ERROR_KIND,
                payload={"summary": summary, "count": 1, "earlier": before if before > 1 else 0},
                now=now,
            )
