"""Simulated Telegram users and group chats that talk to the bot through the fake server."""

from __future__ import annotations

import asyncio
import mimetypes
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .entities import command_entities
from .models import BotMessage, Signal

if TYPE_CHECKING:
    from .server import FakeTelegram


class ChatView:
    """One chat as the people in it see it: the bot's messages, in order.

    ``messages`` holds every bot message to the chat; ``next_message``/``expect`` consume them
    one by one from an inbox. Edits change a message in place and are recorded (as snapshots)
    in ``edits``, with their own inbox (``next_edit``/``expect_edit``).
    """

    def __init__(self, tg: FakeTelegram, chat_id: int) -> None:
        self._tg = tg
        self.chat_id = chat_id
        self.messages: list[BotMessage] = []
        self.edits: list[BotMessage] = []
        self._inbox: deque[BotMessage] = deque()
        self._edit_inbox: deque[BotMessage] = deque()
        # Waiters of this chat wake for its own messages only: hundreds of users waiting at
        # once would otherwise all wake for every message the bot sends anyone.
        self._changed = Signal()

    def chat_json(self) -> dict:
        raise NotImplementedError

    def _deliver(self, message: BotMessage) -> None:
        self.messages.append(message)
        self._inbox.append(message)
        self._changed.fire()

    def _deliver_edit(self, snapshot: BotMessage) -> None:
        self.edits.append(snapshot)
        self._edit_inbox.append(snapshot)
        self._changed.fire()

    def inbox_empty(self) -> bool:
        """True when every bot message to this chat has been consumed."""
        return not self._inbox

    @property
    def inbox(self) -> list[BotMessage]:
        """Bot messages not yet consumed by next_message/expect."""
        return list(self._inbox)

    async def next_message(self, timeout: float = 10.0) -> BotMessage:
        """The next bot message to this chat not yet consumed."""
        if not await self._changed.wait_for(lambda: bool(self._inbox), timeout):
            raise AssertionError(
                f"no new bot message in chat {self.chat_id} within {timeout}s; "
                f"earlier messages: {self._described(self.messages)}"
            )
        return self._inbox.popleft()

    async def expect(self, substring: str, timeout: float = 10.0) -> BotMessage:
        """Consume bot messages until one contains `substring` (in its text or shown text)."""
        return await self._expect(self._inbox, substring, timeout, "message")

    async def next_edit(self, timeout: float = 10.0) -> BotMessage:
        """The next edit of a bot message in this chat (a snapshot after the edit)."""
        if not await self._changed.wait_for(lambda: bool(self._edit_inbox), timeout):
            raise AssertionError(f"no edit in chat {self.chat_id} within {timeout}s")
        return self._edit_inbox.popleft()

    async def expect_edit(self, substring: str, timeout: float = 10.0) -> BotMessage:
        """Consume edits until one leaves a message containing `substring`."""
        return await self._expect(self._edit_inbox, substring, timeout, "edit")

    async def expect_silence(self, seconds: float = 0.3) -> None:
        """Assert that the bot sends nothing new to this chat for `seconds`."""
        if await self._changed.wait_for(lambda: bool(self._inbox), seconds):
            raise AssertionError(
                f"expected no message in chat {self.chat_id}, got {self._described(self._inbox)}"
            )

    async def _expect(
        self, inbox: deque[BotMessage], substring: str, timeout: float, what: str
    ) -> BotMessage:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        seen: list[BotMessage] = []
        while True:
            while inbox:
                message = inbox.popleft()
                if message.matches(substring):
                    return message
                seen.append(message)
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self._changed.wait_for(lambda: bool(inbox), remaining):
                raise AssertionError(
                    f"no {what} containing {substring!r} in chat {self.chat_id} within "
                    f"{timeout}s; arrived meanwhile: {self._described(seen)}"
                )

    def last_with_button(self, text_or_data: str) -> BotMessage | None:
        """The most recent (not deleted) bot message with an inline button of that text/data."""
        for message in reversed(self.messages):
            if not message.deleted and message.find_button(text_or_data):
                return message
        return None

    def _available_buttons(self) -> list[str]:
        return [
            f"#{m.message_id}: {m.buttons}"
            for m in reversed(self.messages)
            if m.buttons and not m.deleted
        ][:5]

    @staticmethod
    def _described(messages: Iterable[BotMessage]) -> str:
        items = [m.describe() for m in messages]
        return "; ".join(items) if items else "(none)"


class FakeGroup(ChatView):
    """A group or supergroup the bot is a member of. Users write here with ``chat=group``."""

    def __init__(self, tg: FakeTelegram, chat_id: int, title: str, kind: str) -> None:
        super().__init__(tg, chat_id)
        self.title = title
        self.kind = kind

    def chat_json(self) -> dict:
        return {"id": self.chat_id, "type": self.kind, "title": self.title}


class FakeUser(ChatView):
    """A person talking to the bot. Their private chat id is their user id."""

    def __init__(
        self,
        tg: FakeTelegram,
        user_id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str = "id",
    ) -> None:
        super().__init__(tg, user_id)
        self.user_id = user_id
        self.first_name = first_name
        self.username = username
        self.last_name = last_name
        self.language_code = language_code

    @property
    def id(self) -> int:
        return self.user_id

    def user_json(self) -> dict:
        data: dict = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def chat_json(self) -> dict:
        data: dict = {"id": self.user_id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    # -- what the user does ------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        chat: ChatView | None = None,
        reply_to: BotMessage | int | None = None,
    ) -> dict:
        """Send a text message (commands get their bot_command entities). Returns its JSON."""
        fields: dict = {"text": text}
        entities = command_entities(text)
        if entities:
            fields["entities"] = entities
        return await self._post(fields, chat, reply_to)

    async def reply(
        self, to_message: BotMessage | int, text: str, *, chat: ChatView | None = None
    ) -> dict:
        """Answer a message with a reply (what a user does on a force_reply prompt)."""
        return await self.send(text, chat=chat, reply_to=to_message)

    async def send_document(
        self,
        content: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        *,
        chat: ChatView | None = None,
        reply_to: BotMessage | int | None = None,
    ) -> dict:
        """Send a file as a document; the bot can getFile and download it."""
        mime_type = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self._tg._store_file(content, file_name, mime_type, "document")
        fields = {"document": stored.document_json(), **self._caption_fields(caption)}
        return await self._post(fields, chat, reply_to)

    async def send_photo(
        self,
        content: bytes,
        caption: str | None = None,
        *,
        chat: ChatView | None = None,
        reply_to: BotMessage | int | None = None,
    ) -> dict:
        """Send a photo (one PhotoSize; PNG/JPEG dimensions are read from the bytes)."""
        stored = self._tg._store_file(content, None, None, "photo")
        fields = {"photo": stored.photo_json(), **self._caption_fields(caption)}
        return await self._post(fields, chat, reply_to)

    async def send_sticker(self, *, chat: ChatView | None = None) -> dict:
        """A sticker: what people send where a typed answer or a file is awaited."""
        sticker = {
            "file_id": f"sticker-{self.id}",
            "file_unique_id": f"st{self.id}",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
        return await self._post({"sticker": sticker}, chat, None)

    async def press(
        self,
        text_or_data: str,
        message: BotMessage | int | None = None,
        *,
        chat: ChatView | None = None,
    ) -> str:
        """Press an inline button (matched by its text or callback_data); returns the query id.

        Without `message`, the most recent bot message in the chat having such a button.
        """
        view = chat or self
        if isinstance(message, int):
            message = next((m for m in view.messages if m.message_id == message), None)
            if message is None:
                raise AssertionError(f"no bot message with that id in chat {view.chat_id}")
        target = message if message is not None else view.last_with_button(text_or_data)
        button = target.find_button(text_or_data) if target is not None else None
        if target is None or button is None or target.deleted:
            raise AssertionError(
                f"no inline button {text_or_data!r} in chat {view.chat_id}; "
                f"buttons available (newest first): {view._available_buttons() or '(none)'}"
            )
        if button[1] is None:
            raise AssertionError(f"button {button[0]!r} opens a URL; it has no callback_data")
        await asyncio.sleep(0)
        return self._tg._incoming_callback(self, target, button[1])

    async def press_data(
        self, data: str, message: BotMessage, *, chat: ChatView | None = None
    ) -> str:
        """A forged or stale press: any callback data on a bot message of this chat, as a
        modified client can send; returns the query id."""
        await asyncio.sleep(0)
        return self._tg._incoming_callback(self, message, data)

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _caption_fields(caption: str | None) -> dict:
        if not caption:
            return {}
        fields: dict = {"caption": caption}
        entities = command_entities(caption)
        if entities:
            fields["caption_entities"] = entities
        return fields

    async def _post(
        self, fields: dict, chat: ChatView | None, reply_to: BotMessage | int | None
    ) -> dict:
        view = chat or self
        if reply_to is not None:
            message_id = reply_to if isinstance(reply_to, int) else reply_to.message_id
            replied = self._tg._message_json(view.chat_id, message_id, nested=False)
            if replied is None:
                raise AssertionError(f"no message {message_id} in chat {view.chat_id} to reply to")
            fields = {**fields, "reply_to_message": replied}
        await asyncio.sleep(0)
        return self._tg._incoming_message(self, view, fields)
