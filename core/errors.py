"""Telling admins that something failed, through the outbox, with no personal data in it."""

from __future__ import annotations

import uuid

from core.office import Office
from core.outbox import enqueue


async def report_failure(office: Office, summary: str) -> None:
    """One row per admin and failure; the summary names the error class and the handler only."""
    now = office.clock()
    event = uuid.uuid4().hex
    async with office.db.transaction() as session:
        for admin_id in office.admin_ids:
            await enqueue(
                session,
                key=f"galat:{event}:{admin_id}",
                chat_id=admin_id,
                kind="error",
                payload={"summary": summary},
                now=now,
            )
