"""Fetching a user's document from Telegram, within the Bot API's 20 MB download limit."""

from __future__ import annotations

from telegram import Update

from bot import messages
from core.engine import SopError
from core.transitions import MAX_UPLOAD, DocInput


async def download(update: Update) -> DocInput:
    document = update.effective_message.document
    if document.file_size and document.file_size > MAX_UPLOAD:
        raise SopError(messages.FILE_TOO_BIG)
    telegram_file = await document.get_file()
    content = bytes(await telegram_file.download_as_bytearray())
    name = document.file_name or "dokumen"
    return DocInput(content, name, document.mime_type, document.file_id)
