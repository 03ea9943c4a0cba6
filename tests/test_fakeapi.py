"""The fake Bot API server, driven by python-telegram-bot's real HTTP code."""

from __future__ import annotations

import asyncio
import datetime as dtm
import hashlib
import html
import struct
import time

import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from fakeapi import FakeTelegram
from fakeapi.entities import command_entities, parse_html
from fakeapi.ptb import polling
from fakeapi.ratelimit import FloodControl
from tests.test_restart import wait_for

TOKEN = "123456:TEST-token"
REPORT = b"PK\x03\x04" + bytes(range(256)) * 40  # stands in for an .xlsx
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---------------------------------------------------------------- a tiny bot


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    name = html.escape(update.effective_user.first_name)
    await update.message.reply_html(f"<b>Selamat datang</b>, {name}!")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(f"Anda menulis: {update.message.text}")


async def receive_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    document = update.message.document
    data = await (await document.get_file()).download_as_bytearray()
    digest = hashlib.sha256(data).hexdigest()
    await update.message.reply_text(f"Diterima {document.file_name}: {len(data)} byte, {digest}")


async def send_report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Unduh ulang", callback_data="r")]])
    await update.message.reply_document(
        REPORT,
        filename="laporan.xlsx",
        caption="Laporan <b>TW I</b>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )


async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Setuju", callback_data="ok:1"),
                InlineKeyboardButton("Tolak", callback_data="no:1"),
            ]
        ]
    )
    await update.message.reply_text("Setujui laporan?", reply_markup=keyboard)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("Tercatat")
    await query.edit_message_text(f"Pilihan: {query.data}")


async def ask_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text("Alasan penolakan?", reply_markup=ForceReply())


async def private_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("Perintah hanya di chat pribadi.")


def build_app(tg: FakeTelegram) -> Application:
    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, private_only))
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("laporan", send_report))
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CommandHandler("tolak", ask_reason))
    app.add_handler(CallbackQueryHandler(choose))
    app.add_handler(MessageHandler(filters.Document.ALL, receive_document))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    return app


@pytest.fixture
async def tg():
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def running_bot(tg: FakeTelegram):
    async with polling(build_app(tg)) as app:
        yield app


@pytest.fixture
async def bot(tg: FakeTelegram):
    """A bare Bot (no polling) for calling methods directly."""
    async with Bot(TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as the_bot:
        yield the_bot


# ---------------------------------------------------------------- round trips


async def test_start_round_trip_in_html(tg: FakeTelegram, running_bot: Application) -> None:
    budi = tg.user(1001, "Budi & Ani", username="budi")
    await budi.send("/start")

    reply = await budi.expect("Selamat datang, Budi & Ani!")

    assert reply.text == "<b>Selamat datang</b>, Budi &amp; Ani!"
    assert reply.parse_mode == "HTML"
    assert reply.entities == [{"type": "bold", "offset": 0, "length": 14}]
    await budi.send("halo")
    assert (await budi.next_message()).text == "Anda menulis: halo"
    assert budi.inbox_empty()
    assert tg.stats["sent"] == 2
    assert tg.stats["methods"]["getMe"] == 1


async def test_user_document_is_downloaded_by_the_bot(
    tg: FakeTelegram, running_bot: Application
) -> None:
    budi = tg.user(1001, "Budi")
    content = bytes(range(256)) * 200

    await budi.send_document(content, "kertas kerja.pdf", caption="/mulai")

    digest = hashlib.sha256(content).hexdigest()
    await budi.expect(f"Diterima kertas kerja.pdf: {len(content)} byte, {digest}")


async def test_bot_document_reaches_the_user_with_the_same_bytes(
    tg: FakeTelegram, running_bot: Application
) -> None:
    budi = tg.user(1001, "Budi")
    await budi.send("/laporan")

    message = await budi.next_message()

    assert message.document is not None
    assert message.document.file_name == "laporan.xlsx"
    assert message.document.mime_type == XLSX
    assert message.content == REPORT
    assert await tg.download(message.document.file_id) == REPORT
    assert message.caption == "Laporan <b>TW I</b>"
    assert message.plain == "Laporan TW I"
    assert message.buttons == [[("Unduh ulang", "r")]]
    file = await running_bot.bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == REPORT


async def test_inline_button_press_reaches_the_callback_handler(
    tg: FakeTelegram, running_bot: Application
) -> None:
    budi = tg.user(1001, "Budi")
    await budi.send("/menu")
    prompt = await budi.expect("Setujui laporan?")
    assert prompt.buttons == [[("Setuju", "ok:1"), ("Tolak", "no:1")]]
    with pytest.raises(AssertionError, match="Setuju"):
        await budi.press("Mungkin")

    query_id = await budi.press("Setuju")

    answer = await tg.callback_answer(query_id)
    assert (answer.text, answer.data, answer.user_id) == ("Tercatat", "ok:1", 1001)
    edited = await budi.expect_edit("Pilihan: ok:1")
    assert edited.message_id == prompt.message_id
    assert prompt.text == "Pilihan: ok:1"  # edited in place
    assert prompt.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert budi.inbox_empty()


async def test_force_reply_and_group_chats(tg: FakeTelegram, running_bot: Application) -> None:
    budi = tg.user(1001, "Budi")
    await budi.send("/tolak")
    prompt = await budi.next_message()
    assert prompt.force_reply
    await budi.reply(prompt, "Data belum lengkap")
    assert (await budi.next_message()).text == "Anda menulis: Data belum lengkap"

    group = tg.group(-1001234, "SAKIP")
    await budi.send("/start@kinerja_bot", chat=group)
    await group.expect("hanya di chat pribadi")
    assert budi.inbox_empty()


# ---------------------------------------------------------------- what Telegram rejects


async def test_rejections_surface_as_ptb_errors(tg: FakeTelegram, bot: Bot) -> None:
    budi = tg.user(1001, "Budi")
    await budi.send("halo")

    await bot.send_message(1001, "a" * 4096)
    await bot.send_message(1001, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1001, "a" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1001, "<b></b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(1001, b"x", filename="a.txt", caption="c" * 1025)
    too_long_data = InlineKeyboardButton("Pilih", callback_data="é" * 33)  # 66 bytes
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(1001, "x", reply_markup=InlineKeyboardMarkup([[too_long_data]]))
    for bad_html in ("a < b", "Tom & Jerry", "<b>x</i>", "<b>x", "<br>", "<span>x</span>"):
        with pytest.raises(BadRequest, match="Can't parse entities"):
            await bot.send_message(1001, bad_html, parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4242, "siapa?")
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("baru", chat_id=1001, message_id=999)
    sent = await bot.send_message(1001, "sama")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("sama", chat_id=1001, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.get_file("BQACnope")
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")

    tg.block(1001)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1001, "halo?")
    await budi.send("/start")  # writing again unblocks
    await bot.send_message(1001, "halo lagi")


async def test_blocking_is_told_only_to_a_bot_that_asked_for_it(tg: FakeTelegram, bot: Bot) -> None:
    """Blocking and unblocking come as my_chat_member updates (kicked, member), which Telegram
    sends by default and not to a bot whose allowed_updates leave them out."""
    budi = tg.user(1001, "Budi")
    await budi.send("halo")
    tg.block(1001)
    tg.unblock(1001)
    updates = await bot.get_updates(timeout=0)
    changes = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert changes == ["kicked", "member"]
    await bot.get_updates(offset=updates[-1].update_id + 1, allowed_updates=["message"])
    tg.block(1001)
    await budi.send("lagi")  # writing unblocks: one more change the bot did not ask for
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in updates] == ["lagi"]


async def test_html_that_telegram_accepts(tg: FakeTelegram, bot: Bot) -> None:
    budi = tg.user(1001, "Budi")
    await budi.send("halo")
    text = (
        '&lt;ok&gt; &amp; &quot;&#33; <a href="https://x.id/?a=1&amp;b=2">tautan</a> '
        '<span class="tg-spoiler">s</span> <pre><code class="language-python">x</code></pre> '
        "<blockquote expandable>kutipan</blockquote> <i>i <u>u</u></i>"
    )

    message = await bot.send_message(1001, text, parse_mode=ParseMode.HTML)

    assert message.text.startswith('<ok> & "! tautan s x kutipan')
    links = [e for e in message.entities if e.type == "text_link"]
    assert links[0].url == "https://x.id/?a=1&b=2"
    assert {e.type for e in message.entities} >= {"spoiler", "pre", "expandable_blockquote"}


async def test_files_over_the_download_limit_are_refused(tg: FakeTelegram, bot: Bot) -> None:
    budi = tg.user(1001, "Budi")
    sent = await budi.send_document(b"\0" * (20 * 1024 * 1024 + 1), "besar.pdf")

    with pytest.raises(BadRequest, match="File is too big"):
        await bot.get_file(sent["document"]["file_id"])


async def test_user_photo_and_deleted_messages(tg: FakeTelegram, bot: Bot) -> None:
    budi = tg.user(1001, "Budi")
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x02\x80\0\0\x01\xe0" + b"\0" * 40
    sent = await budi.send_photo(png, caption="bukti")

    (size,) = sent["photo"]
    assert (size["width"], size["height"]) == (640, 480)
    photo = await bot.get_file(size["file_id"])
    assert await photo.download_as_bytearray() == png
    message = await bot.send_photo(1001, size["file_id"], caption="diterima")
    assert (await budi.next_message()).photo.content == png
    assert await bot.delete_message(1001, message.message_id)
    assert budi.messages[-1].deleted
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1001, message.message_id)


def png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + struct.pack(">II", width, height) + b"\0" * 40


async def test_photo_uploads_are_checked_as_telegram_does(tg: FakeTelegram, bot: Bot) -> None:
    budi = tg.user(1001, "Budi")
    await budi.send("/start")
    sent = await bot.send_photo(1001, InputFile(png(800, 600), filename="g.png"), caption="ok")
    assert (sent.photo[0].width, sent.photo[0].height) == (800, 600)
    assert (await budi.next_message()).photo.content == png(800, 600)
    refusals = [
        (b"%PDF-1.4 not an image", "IMAGE_PROCESS_FAILED"),
        (png(6000, 4001), "PHOTO_INVALID_DIMENSIONS"),  # width + height over 10,000
        (png(2100, 100), "PHOTO_INVALID_DIMENSIONS"),  # a side over 20 times the other
        (png(800, 600) + b"\0" * (10 * 1024 * 1024), "PHOTO_SAVE_FILE_INVALID"),  # over 10 MB
    ]
    for content, error in refusals:
        with pytest.raises(BadRequest, match=f"(?i){error}"):
            await bot.send_photo(1001, InputFile(content, filename="g.png"))
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(1001, InputFile(png(8, 8), filename="g.png"), caption="x" * 1025)
    await budi.expect_silence(0.1)


# ---------------------------------------------------------------- faults and flood limits


async def test_fail_next_answers_429_with_retry_after(
    tg: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    await tg.user(1001, "Budi").send("halo")
    tg.fail_next("sendmessage", retry_after=7)
    tg.fail_next("sendMessage", status=403, chat_id=2002)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1001, "satu")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await bot.send_message(1001, "dua")  # only the next call failed; the 403 waits for 2002
    assert tg.stats["429s"] == 1
    assert [m.text for m in tg.bot_messages] == ["dua"]


async def test_flood_limits_per_chat_and_overall(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with FakeTelegram(global_rate=3, per_chat_rate=1) as tg:
        for user_id in (1, 2, 3, 4):
            await tg.user(user_id, f"U{user_id}").send("halo")
        async with Bot(TOKEN, base_url=tg.base_url) as limited:
            await limited.send_message(1, "pertama")
            with pytest.raises(RetryAfter) as caught:
                await limited.send_message(1, "kedua, dalam detik yang sama")
            assert caught.value.retry_after == dtm.timedelta(seconds=1)
            await limited.send_message(2, "lain chat")
            await limited.send_message(3, "lain chat")
            with pytest.raises(RetryAfter):  # the overall bucket (3/s) is empty
                await limited.send_message(4, "keempat")
        assert tg.stats["sent"] == 3
        assert tg.stats["429s"] == 2


def test_token_buckets_refill_with_time() -> None:
    now = [0.0]
    flood = FloodControl(global_rate=300, per_chat_rate=1, clock=lambda: now[0])

    assert flood.acquire(1) == 0
    assert flood.acquire(1) == 1  # burst 1 per chat
    now[0] = 0.5
    assert flood.acquire(1) == 1  # half a token: retry_after rounds up
    now[0] = 1.0
    assert flood.acquire(1) == 0
    assert all(flood.acquire(chat) == 0 for chat in range(2, 301))  # 300 in the second
    assert flood.acquire(1000) == 1


# ---------------------------------------------------------------- protocol details


async def test_get_updates_long_poll_wakes_and_timeout_zero_is_immediate(
    tg: FakeTelegram, bot: Bot
) -> None:
    budi = tg.user(1001, "Budi")
    started = time.monotonic()
    assert await bot.get_updates(timeout=0) == ()
    assert time.monotonic() - started < 0.5

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    await budi.send("/start")
    updates = await asyncio.wait_for(poll, 1)

    assert updates[0].message.text == "/start"
    assert updates[0].message.entities[0].type == "bot_command"
    await bot.get_updates(offset=updates[0].update_id + 1, timeout=0)
    assert tg.pending_updates == 0


async def test_commands_are_stored_per_scope(tg: FakeTelegram, bot: Bot) -> None:
    await tg.user(1001, "Budi").send("halo")
    await tg.user(1002, "Ani").send("halo")
    await bot.set_my_commands([BotCommand("start", "Mulai")])
    await bot.set_my_commands(
        [BotCommand("status", "Status"), BotCommand("progres", "Progres")],
        scope=BotCommandScopeChat(1001),
    )
    await bot.set_my_commands([BotCommand("bantuan", "Bantuan")], BotCommandScopeAllPrivateChats())

    assert tg.visible_commands(1001) == [("status", "Status"), ("progres", "Progres")]
    assert tg.visible_commands(1002) == [("bantuan", "Bantuan")]
    assert tg.commands() == [("start", "Mulai")]
    assert tg.commands(chat_id=1001) == tg.visible_commands(1001)
    assert tg.commands("chat", chat_id=1002) == []
    scoped = await bot.get_my_commands(scope=BotCommandScopeChat(1001))
    assert [c.command for c in scoped] == ["status", "progres"]
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Status", "huruf besar")])
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("x", "x")], scope=BotCommandScopeChat(5))


def test_html_entities_use_utf16_offsets() -> None:
    plain, entities = parse_html("😀 <b>tebal</b>")
    assert plain == "😀 tebal"
    assert entities == [{"type": "bold", "offset": 3, "length": 5}]
    assert command_entities("😀 /start@kinerja_bot x") == [
        {"type": "bot_command", "offset": 3, "length": 18}
    ]


async def test_an_update_the_webhook_did_not_take_is_delivered_again(tg: FakeTelegram):
    """As Telegram does: a 5xx answer (a bot that failed the update) is not the end of it."""
    received: list[int] = []
    again = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        received.append((await request.json())["update_id"])
        if len(received) == 1:
            return web.Response(status=500)
        again.set()
        return web.Response()

    server = web.Application()
    server.router.add_post("/hook", receive)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with Bot(TOKEN, base_url=tg.base_url) as bot:
            await bot.set_webhook(f"http://127.0.0.1:{port}/hook")
        await tg.user(4242, "Tamu").send("halo")
        await asyncio.wait_for(again.wait(), timeout=20)

        async def answer_recorded() -> bool:
            return len(tg.webhook_statuses) == 2

        await wait_for(answer_recorded, timeout=20)
        assert received[0] == received[1] and tg.webhook_statuses == [500, 200]
        assert "500" in tg.webhook_last_error[1]
    finally:
        await runner.cleanup()
