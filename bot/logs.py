"""Log lines as a service wants them: one line per event, with the update and user it belongs to.

The ids come from a context variable set while an update is processed (bot/updates.py); tasks
started from there inherit it, so a `block=False` handler or the error handler log the same ids.
What users typed is never put in a log line: the ids are enough to find the update.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Literal

LogFormat = Literal["text", "json"]

_current: ContextVar[tuple[int | None, int | None]] = ContextVar(
    "kinerja_update", default=(None, None)
)


@contextmanager
def update_context(update_id: int | None, user_id: int | None) -> Iterator[None]:
    """Every record logged inside carries these ids (and so does every task started inside)."""
    token = _current.set((update_id, user_id))
    try:
        yield
    finally:
        _current.reset(token)


class UpdateIds(logging.Filter):
    """Stamps `update_id` and `user_id` (None outside an update) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.update_id, record.user_id = _current.get()
        return True


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [update=… user=…]: message`, a traceback escaped onto the same line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        update_id, user_id = getattr(record, "update_id", None), getattr(record, "user_id", None)
        record.ids = f" [update={update_id} user={user_id}]" if update_id is not None else ""
        return _one_line(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors (LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "update_id": getattr(record, "update_id", None),
            "user_id": getattr(record, "user_id", None),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int | str, fmt: LogFormat) -> None:
    """One handler on the root logger, to stderr, in the chosen format (left alone when the root
    logger has handlers already, as under pytest)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(UpdateIds())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logging.basicConfig(level=level, handlers=[handler])
    # Every request to Telegram and every run of the minute's jobs would be a line: only trouble.
    for chatty in ("httpx", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
