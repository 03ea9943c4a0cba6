"""A stand-in for the Telegram Bot API on 127.0.0.1, used by the tests, `make demo` and benchmarks.

The bot runs python-telegram-bot's real HTTP code against it; simulated users talk to the bot
from the same event loop::

    from fakeapi import FakeTelegram
    from fakeapi.ptb import polling

    @pytest.fixture
    async def tg():
        async with FakeTelegram() as server:  # global_rate=..., per_chat_rate=... for flood limits
            yield server

    @pytest.fixture
    async def bot_app(tg):
        app = build_application(  # however the bot builds its Application, plus:
            base_url=tg.base_url, base_file_url=tg.base_file_url  # .../bot and .../file/bot
        )
        async with polling(app):
            yield app

    async def test_registration(tg, bot_app):
        budi = tg.user(1001, "Budi", username="budi")  # private chat id == user id
        await budi.send("/daftar")
        prompt = await budi.expect("NIP")  # consumes bot messages until one contains "NIP"
        await budi.reply(prompt, "198001012006041001")  # for force_reply prompts
        await budi.press("Setuju")  # inline button by text or callback_data
        edited = await budi.expect_edit("disetujui")
        await budi.send_document(xlsx_bytes, "kertas_kerja.xlsx", caption="TW I")
        report = await budi.expect("Laporan")
        assert report.document.file_name == "laporan.xlsx" and report.content == expected

A bot running as a subprocess gets ``tg.base_url``/``tg.base_file_url`` through its settings.
Run the server alone with ``python -m fakeapi --port 8081``.
"""

from .models import BOT_ID, BOT_USERNAME, BotMessage, CallbackAnswer, StoredFile
from .server import FakeTelegram
from .users import ChatView, FakeGroup, FakeUser

__all__ = [
    "BOT_ID",
    "BOT_USERNAME",
    "BotMessage",
    "CallbackAnswer",
    "ChatView",
    "FakeGroup",
    "FakeTelegram",
    "FakeUser",
    "StoredFile",
]
