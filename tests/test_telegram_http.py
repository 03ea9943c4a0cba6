"""The aiohttp client fails as PTB's httpx client did (TimedOut, NetworkError), keeps a
long poll open past the plain read timeout, sends a call without a file as one JSON body, and
uploads UTF-8 file names and fields as sent."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest

from bot.telegram_http import AiohttpRequest, _upload_time
from tests.conftest import free_port

TOKEN = "123:TEST"


@pytest.fixture
async def server():
    seen: dict[str, object] = {}

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        json_body = request.content_type == "application/json"
        form = await request.json() if json_body else await request.post()
        seen[method] = form
        if method == "getMe" and "slow" in form:
            await asyncio.sleep(2)
        if method == "getUpdates":
            await asyncio.sleep(float(form["timeout"]))
            return web.json_response({"ok": True, "result": []})
        if method == "sendMessage":
            seen["json"] = json_body
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "stop"}, status=400
            )
        if method == "sendDocument":
            doc = form["document"]
            seen["upload"] = (doc.filename, doc.file.read(), form["caption"])
            return web.json_response(
                {"ok": False, "error_code": 400, "description": "stop"}, status=400
            )
        user = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "b"}
        return web.json_response({"ok": True, "result": user})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/bot", seen
    await runner.cleanup()


async def test_answers_timeouts_and_refusals(server) -> None:
    base, _seen = server
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest(read_timeout=0.5)) as bot:
        assert (await bot.get_me()).username == "b"
        with pytest.raises(TimedOut):
            await bot.get_me(api_kwargs={"slow": "1"})  # the default read timeout
        # A long poll is given its own timeout on top of the plain read timeout.
        assert await bot.get_updates(timeout=1) == ()
    closed = f"http://127.0.0.1:{free_port()}/bot"
    with pytest.raises(NetworkError):
        async with Bot(TOKEN, base_url=closed, request=AiohttpRequest()):
            pass


async def test_upload_names_and_fields_arrive_as_utf8(server) -> None:
    base, seen = server
    name = 'Draft Laporan — Triwulan I "2025".docx'
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest()) as bot:
        with pytest.raises(Exception, match="stop"):
            await bot.send_document(1, b"PK\x03\x04 isi", filename=name, caption="Catatan: ✓ é")
    assert seen["upload"] == (name, b"PK\x03\x04 isi", "Catatan: ✓ é")


async def test_a_call_without_a_file_is_one_json_body(server) -> None:
    """As Telegram takes it: the parameters in one JSON object, a keyboard as an object."""
    base, seen = server
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("✅ Kirim", callback_data="lpok")]])
    async with Bot(TOKEN, base_url=base, request=AiohttpRequest()) as bot:
        with pytest.raises(Exception, match="stop"):
            await bot.send_message(7, "Realisasi <b>85</b> ✓", reply_markup=keyboard)
    assert seen["json"] is True
    sent = seen["sendMessage"]
    assert (sent["chat_id"], sent["text"]) == (7, "Realisasi <b>85</b> ✓")
    assert sent["reply_markup"] == keyboard.to_dict()


def test_an_upload_is_given_time_by_its_size() -> None:
    """A slow uplink still sends a large workbook: the write timeout counts per started MiB."""
    default = BaseRequest.DEFAULT_NONE
    assert _upload_time({"document": ("a.xlsx", b"x" * 10, None)}, default) == 20.0
    five_mib = {"document": ("a.xlsx", b"x" * (5 * 2**20 + 1), None)}
    assert _upload_time(five_mib, 10.0) == 60.0
    assert _upload_time(five_mib, default) == 120.0
    assert _upload_time(five_mib, None) is None  # no write timeout asked: none given
