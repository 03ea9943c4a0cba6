"""What the fake server stores: files, the bot's messages, callback answers."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

BOT_ID = 999
BOT_USERNAME = "kinerja_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Kinerja Bot", "username": BOT_USERNAME}

DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files (cloud Bot API)
UPLOAD_LIMIT = 50 * 1024 * 1024  # what a bot may upload


class ApiError(Exception):
    """An answer in Bot API error shape."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict:
        body: dict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(text: str) -> ApiError:
    return ApiError(400, f"Bad Request: {text}")


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes = field(repr=False)
    file_name: str | None
    mime_type: str | None
    kind: str  # "document" or "photo"
    file_path: str
    width: int = 0
    height: int = 0

    @property
    def file_size(self) -> int:
        return len(self.content)

    @property
    def mime(self) -> str | None:
        return self.mime_type

    def document_json(self) -> dict:
        data = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def photo_json(self) -> list[dict]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "file_size": self.file_size,
                "width": self.width,
                "height": self.height,
            }
        ]


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG (1×1 when it is neither or is damaged)."""
    return _dimensions(content) or (1, 1)


def _dimensions(content: bytes) -> tuple[int, int] | None:
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return struct.unpack(">II", content[16:24])
    if content[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(content) and content[i] == 0xFF:
            marker, length = content[i + 1], struct.unpack(">H", content[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", content[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


PHOTO_LIMIT = 10 * 1024 * 1024


def check_photo(content: bytes) -> None:
    """What Telegram refuses in a sendPhoto upload: over 10 MB, not an image (only PNG and
    JPEG are read here), width + height over 10,000, or a side over 20 times the other."""
    if len(content) > PHOTO_LIMIT:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    size = _dimensions(content)
    if size is None or 0 in size:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10_000 or max(size) > 20 * min(size):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")


@dataclass
class BotMessage:
    """A message the bot sent. Edits change it in place (see FakeUser.edits for snapshots).

    ``text`` is what the bot sent (the text, or the caption of a document/photo) with its
    markup; ``plain`` is what a Telegram client shows (tags removed, references decoded).
    """

    message_id: int
    chat_id: int
    text: str
    plain: str
    parse_mode: str | None
    date: int
    method: str
    entities: list[dict] = field(default_factory=list)
    reply_markup: dict | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False

    @property
    def caption(self) -> str | None:
        return self.text if self.has_media else None

    @property
    def has_media(self) -> bool:
        return self.document is not None or self.photo is not None

    @property
    def content(self) -> bytes | None:
        """The bytes of the document or photo, if any."""
        media = self.document or self.photo
        return media.content if media else None

    @property
    def buttons(self) -> list[list[tuple[str, str | None]]]:
        """Inline keyboard as rows of (text, callback_data); URL buttons have None as data."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows]

    @property
    def keyboard(self) -> list[list[str]]:
        """Reply keyboard (the one replacing the user's keyboard) as rows of button texts."""
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [[b if isinstance(b, str) else b.get("text", "") for b in row] for row in rows]

    @property
    def force_reply(self) -> bool:
        return bool((self.reply_markup or {}).get("force_reply"))

    @property
    def remove_keyboard(self) -> bool:
        return bool((self.reply_markup or {}).get("remove_keyboard"))

    def find_button(self, text_or_data: str) -> tuple[str, str | None] | None:
        for row in self.buttons:
            for text, data in row:
                if text_or_data in (text, data):
                    return text, data
        return None

    def matches(self, substring: str) -> bool:
        return substring in self.text or substring in self.plain

    def describe(self) -> str:
        parts = [f"#{self.message_id} {self.plain!r}"]
        if self.document:
            parts.append(f"[document {self.document.file_name}]")
        if self.photo:
            parts.append("[photo]")
        if self.buttons:
            parts.append(f"buttons={self.buttons}")
        return " ".join(parts)


@dataclass
class CallbackAnswer:
    callback_query_id: str
    user_id: int
    data: str | None
    text: str | None
    show_alert: bool
    url: str | None


class Signal:
    """Wake waiters whenever something changed; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until predicate() is true; False if `timeout` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except asyncio.TimeoutError:
                return predicate()
        return True
