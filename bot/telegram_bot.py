"""The bot's Bot API client: PTB's `ExtBot`, with replies that skip parsing Telegram's answer.

Telegram answers a sent or edited message with the whole `Message` (its keyboard and text
entities included), and PTB turns it into objects. A reply's answer is never read here, and
skipping that parse saved about a tenth of a `/lapor` figure's Python calls (bench/README.md).
These calls take PTB's own path otherwise: its defaults, the rate limiter, the HTTP client.
In polling mode the updates fetched are kept in the database before anything else (bot/inbox.py).
"""

from __future__ import annotations

from typing import Any

from telegram import ForceReply, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.ext import ExtBot

from bot.inbox import Inbox


class KinerjaBot(ExtBot[None]):
    def __init__(self, *args: Any, inbox: Inbox | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._inbox = inbox

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        """getUpdates' answer is kept as Telegram sent it, before PTB parses it (written again
        from PTB's objects, an update cost a third of what handling it does), and before the
        next getUpdates confirms it."""
        polling = endpoint == "getUpdates" and self._inbox is not None
        if polling:
            await self._inbox.before_poll()
        result = await super()._post(endpoint, *args, **kwargs)
        if polling:
            self._inbox.fetched(result)
        return result

    async def send_html(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | ForceReply | None = None
    ) -> None:
        """`send_message` in HTML, without the parse of the message sent."""
        await self._post(
            "sendMessage",
            {
                "chat_id": chat_id,
                "text": text,
                "parse_mode": ParseMode.HTML,
                "reply_markup": markup,
            },
        )

    async def set_keyboard(
        self, chat_id: int, message_id: int, markup: InlineKeyboardMarkup | None
    ) -> None:
        """`edit_message_reply_markup` (None: the keyboard removed), without the parse."""
        await self._post(
            "editMessageReplyMarkup",
            {"chat_id": chat_id, "message_id": message_id, "reply_markup": markup},
        )
