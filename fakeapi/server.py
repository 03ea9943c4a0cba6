"""A fake Telegram Bot API server on 127.0.0.1 (aiohttp), for tests, the demo and benchmarks.

The bot under test talks to it over HTTP exactly as it would to api.telegram.org (point
python-telegram-bot's ``base_url``/``base_file_url`` at it); the test drives simulated users
(``tg.user(...)``) in the same event loop. See ``fakeapi/__init__.py`` for a usage example.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import mimetypes
import re
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import PurePosixPath
from typing import Any

import aiohttp
from aiohttp import web

from .entities import EntityParseError, parse_html
from .models import (
    BOT_ID,
    BOT_USER,
    DOWNLOAD_LIMIT,
    UPLOAD_LIMIT,
    ApiError,
    BotMessage,
    CallbackAnswer,
    Signal,
    StoredFile,
    bad_request,
    check_photo,
    image_size,
)
from .params import FileField, Params
from .ratelimit import FloodControl
from .users import ChatView, FakeGroup, FakeUser

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
TEXT_BUTTONS_UNALLOWED = (
    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

Handler = Callable[[Params], Awaitable[Any]]


@dataclasses.dataclass
class _Fault:
    method: str  # lower case
    status: int
    retry_after: int
    description: str | None
    times: int
    chat_id: int | None

    def error(self) -> ApiError:
        defaults = {
            400: "Bad Request: injected failure",
            403: "Forbidden: bot was blocked by the user",
            404: "Not Found",
            409: "Conflict: injected failure",
            429: f"Too Many Requests: retry after {self.retry_after}",
            502: "Bad Gateway",
        }
        description = self.description or defaults.get(self.status, "Internal Server Error")
        retry_after = self.retry_after if self.status == 429 else None
        return ApiError(self.status, description, retry_after)


def _take_fault(faults: list[_Fault], name: str, params: Params) -> _Fault | None:
    """The first of `faults` this call matches, used once."""
    for fault in faults:
        if fault.method != name.lower():
            continue
        if fault.chat_id is not None and _int_or_none(params.raw("chat_id")) != fault.chat_id:
            continue
        fault.times -= 1
        if fault.times <= 0:
            faults.remove(fault)
        return fault
    return None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# Update types Telegram sends only to a bot that lists them in allowed_updates.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _bot_member(status: str) -> dict:
    """The bot as a ChatMember of a private chat; "kicked" (blocked) is for ever (until_date 0)."""
    return {"user": BOT_USER, "status": status, **({"until_date": 0} if status == "kicked" else {})}


def _now() -> int:
    return int(time.time())


class FakeTelegram:
    """The fake server. ``async with FakeTelegram() as tg:`` starts it on a free port.

    Test-facing state: ``stats`` (sent, edited, 429s, errors, methods: calls per method),
    ``bot_messages`` (every message the bot sent successfully, in order), ``answered_callbacks``,
    ``files`` (file_id -> StoredFile), ``menu_buttons`` (chat id or None -> JSON),
    ``webhook_url``, ``webhook_last_error`` (the latest failed delivery, as getWebhookInfo
    reports it), ``on_bot_message`` (callbacks called with each new BotMessage). With ``token``
    given, a request under any other token is answered 401 Unauthorized, as by Telegram.

    Flood limits (``global_rate``, ``per_chat_rate``) are token buckets holding one second's
    worth (per chat: burst 1) on send*/edit* methods except sendChatAction, keyed by the
    top-level ``chat_id`` and measured when the request arrives.

    Where it differs from Telegram, knowingly: text length counts code points after entity
    parsing; Markdown/MarkdownV2 are accepted unchecked (this project writes HTML); a bare
    ``&`` in HTML is rejected (Telegram lets it through); with a webhook set, each new update is
    POSTed to it (with the secret token header) and retried for a few seconds while the bot is
    not listening yet, then kept for getUpdates; a photo the bot uploads must be a PNG or JPEG
    (Telegram also takes other image formats); no inline mode, media groups or getChat.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
        token: str | None = None,
        first_update_id: int = 1,
    ) -> None:
        self.host = host
        self.token = token  # None: any token is the bot's; else others get 401 as from Telegram
        self.port = port
        self._flood = FloodControl(global_rate, per_chat_rate)
        self._runner: web.AppRunner | None = None
        self._closing = False

        self.stats: dict[str, Any] = {
            "sent": 0,
            "edited": 0,
            "429s": 0,
            "errors": 0,
            "methods": Counter(),
        }
        self.bot_messages: list[BotMessage] = []
        self.answered_callbacks: list[CallbackAnswer] = []
        self.files: dict[str, StoredFile] = {}
        self.menu_buttons: dict[int | None, dict] = {}
        self.webhook_url = ""
        self.webhook_secret = ""
        self.webhook_statuses: list[int] = []
        self.webhook_last_error: tuple[int, str] | None = None  # (unix time, message)
        self._webhook_tasks: set[asyncio.Task] = set()
        self._webhook_session: aiohttp.ClientSession | None = None
        self.on_bot_message: list[Callable[[BotMessage], None]] = []

        self._views: dict[int, ChatView] = {}  # chat id -> FakeUser (private) or FakeGroup
        self._known_chats: set[int] = set()  # chats the bot may write to
        self._blocked: set[int] = set()
        # Update types the bot asked for (getUpdates/setWebhook allowed_updates); None: never
        # said, so Telegram's default (all but chat_member and the reactions).
        self.allowed_updates: frozenset[str] | None = None
        self._message_ids: dict[int, itertools.count] = {}
        self._bot_msgs: dict[tuple[int, int], BotMessage] = {}
        self._user_msgs: dict[tuple[int, int], dict] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._callbacks: dict[str, dict] = {}
        self._callback_counter = itertools.count(4_000_000_000_000_000)
        self._commands: dict[tuple[tuple, str], list[tuple[str, str]]] = {}
        self._faults: list[_Fault] = []
        self._lost_answers: list[_Fault] = []

        self._updates: list[dict] = []
        # Telegram's update ids only grow: a fresh server for a bot whose database saw earlier
        # ones (PostgreSQL skips an update id already handled) starts above them.
        self._next_update_id = first_update_id
        self._poll_generation = 0
        self._updates_changed = Signal()
        self._activity = Signal()  # bot messages, edits, callback answers

        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "close": self._true,
                "logOut": self._true,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "sendChatAction": self._send_chat_action,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "getFile": self._get_file,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setChatMenuButton": self._set_chat_menu_button,
                "getChatMenuButton": self._get_chat_menu_button,
                "setMyDescription": self._true,
                "setMyShortDescription": self._true,
                "setMyName": self._true,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_unknown)
        # handler_cancellation: a long poll whose client went away (SIGKILL) ends at once.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except OSError:  # e.g. the port is taken
            await self._runner.cleanup()
            self._runner = None
            raise
        self.port = self._runner.addresses[0][1]
        self._closing = False
        logger.info("fake Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        self._closing = True
        self._updates_changed.fire()
        for task in list(self._webhook_tasks):
            task.cancel()
        if self._webhook_session is not None:
            await self._webhook_session.close()
            self._webhook_session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ test-facing API

    def user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str = "id",
    ) -> FakeUser:
        """The simulated user with this id (created on first call). Private chat id == user id."""
        view = self._views.get(user_id)
        if isinstance(view, FakeUser):
            return view
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user = FakeUser(self, user_id, first_name, username, last_name, language_code)
        self._views[user_id] = user
        return user

    def group(
        self, chat_id: int, title: str = "Grup Kantor", *, kind: str | None = None
    ) -> FakeGroup:
        """A group the bot is a member of (so the bot may write there). Ids are negative.

        `kind` is "group" or "supergroup" (default: supergroup for ids starting with -100).
        """
        view = self._views.get(chat_id)
        if isinstance(view, FakeGroup):
            return view
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = kind or ("supergroup" if str(chat_id).startswith("-100") else "group")
        group = FakeGroup(self, chat_id, title, kind)
        self._views[chat_id] = group
        self._known_chats.add(chat_id)
        return group

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them answer 403 until they unblock it (writing
        again unblocks it first, as Telegram's app does). The bot is told, as Telegram does,
        with a `my_chat_member` update (status "kicked")."""
        if user_id not in self._blocked:
            self._blocked.add(user_id)
            self._push_member_change(user_id, "member", "kicked")

    def unblock(self, user_id: int) -> None:
        if user_id in self._blocked:
            self._blocked.discard(user_id)
            self._push_member_change(user_id, "kicked", "member")

    def _push_member_change(self, user_id: int, old: str, new: str) -> None:
        user = self._views[user_id]
        self._push_update(
            {
                "my_chat_member": {
                    "chat": user.chat_json(),
                    "from": user.user_json(),
                    "date": _now(),
                    "old_chat_member": _bot_member(old),
                    "new_chat_member": _bot_member(new),
                }
            }
        )

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with an error."""
        if method.lower() not in self._methods:
            raise ValueError(f"unknown Bot API method {method!r}")
        self._faults.append(
            _Fault(method.lower(), status, retry_after, description, times, chat_id)
        )

    def lose_answer_next(self, method: str, *, times: int = 1, chat_id: int | None = None) -> None:
        """Carry out the next `times` calls of `method` (to `chat_id`, if given), then drop the
        connection before answering: the message is in the chat, the bot never hears so."""
        if method.lower() not in self._methods:
            raise ValueError(f"unknown Bot API method {method!r}")
        self._lost_answers.append(_Fault(method.lower(), 0, 0, None, times, chat_id))

    async def download(self, file_id: str) -> bytes:
        stored = self.files.get(file_id)
        if stored is None:
            raise AssertionError(f"no file with file_id {file_id!r}")
        return stored.content

    async def callback_answer(self, callback_id: str, timeout: float = 5.0) -> CallbackAnswer:
        """Wait until the bot answers the callback query `callback_id`."""

        def find() -> CallbackAnswer | None:
            return next(
                (a for a in self.answered_callbacks if a.callback_query_id == callback_id), None
            )

        if not await self._activity.wait_for(lambda: find() is not None, timeout):
            raise AssertionError(f"callback query {callback_id} not answered within {timeout}s")
        answer = find()
        assert answer is not None
        return answer

    def commands(
        self,
        scope: str | None = None,
        chat_id: int | None = None,
        user_id: int | None = None,
        language_code: str = "",
    ) -> list[tuple[str, str]]:
        """Commands as (command, description) pairs; [] when none apply.

        With `scope` ("default", "all_private_chats", "chat", "chat_member", ...): the list set
        for exactly that scope. Without it: with `chat_id`, the menu a client shows in that chat
        (see visible_commands); otherwise the default scope.
        """
        if scope is None:
            if chat_id is not None:
                return self.visible_commands(chat_id, user_id, language_code)
            scope = "default"
        key = tuple(x for x in (scope, chat_id, user_id) if x is not None)
        return list(self._commands.get((key, language_code), []))

    def visible_commands(
        self, chat_id: int, user_id: int | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The command menu a client shows in this chat (most specific scope that is set).

        The administrator scopes are not considered (the fake knows no group admins).
        """
        if chat_id > 0:
            keys: list[tuple] = [("chat", chat_id), ("all_private_chats",), ("default",)]
        else:
            keys = [("chat", chat_id), ("all_group_chats",), ("default",)]
            if user_id is not None:
                keys.insert(0, ("chat_member", chat_id, user_id))
        for key in keys:
            for language in dict.fromkeys((language_code, "")):
                found = self._commands.get((key, language))
                if found is not None:
                    return list(found)
        return []

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by a getUpdates with a higher offset."""
        return len(self._updates)

    # ------------------------------------------------------------------ HTTP layer

    async def _handle_api(self, request: web.Request) -> web.Response:
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return self._error_response(ApiError(404, "Not Found"))
        if self.token is not None and request.match_info["token"] != self.token:
            return self._error_response(ApiError(401, "Unauthorized"))
        name, handler = entry
        self.stats["methods"][name] += 1
        try:
            params = await Params.from_request(request)
            self._check_faults(name, params)
            self._check_flood(name, params)
            result = await handler(params)
        except ApiError as error:
            logger.debug("%s -> %s %s", name, error.status, error.description)
            return self._error_response(error)
        if _take_fault(self._lost_answers, name, params) and request.transport is not None:
            request.transport.close()
        return web.json_response({"ok": True, "result": result})

    def _error_response(self, error: ApiError) -> web.Response:
        self.stats["429s" if error.status == 429 else "errors"] += 1
        return web.json_response(error.payload(), status=error.status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self._files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").payload(), status=404)
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _handle_unknown(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found").payload(), status=404)

    def _check_faults(self, name: str, params: Params) -> None:
        fault = _take_fault(self._faults, name, params)
        if fault is not None:
            raise fault.error()

    def _check_flood(self, name: str, params: Params) -> None:
        if not self._flood.active or name == "sendChatAction":
            return
        if not name.startswith(("send", "edit")):
            return
        retry_after = self._flood.acquire(_int_or_none(params.raw("chat_id")))
        if retry_after:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    # ------------------------------------------------------------------ shared helpers

    def _chat_for(self, params: Params, name: str = "chat_id") -> int:
        raw = params.raw(name)
        if raw in (None, ""):
            raise bad_request("chat_id is empty")
        chat_id = _int_or_none(raw)
        if chat_id is not None and chat_id in self._blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id is None or chat_id not in self._known_chats:
            raise bad_request("chat not found")
        return chat_id

    def _known_chat(self, raw: Any) -> int:
        chat_id = _int_or_none(raw)
        if chat_id is None or chat_id not in self._known_chats:
            raise bad_request("chat not found")
        return chat_id

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def _format(
        self, text: str, parse_mode: str | None, params: Params, entities_field: str
    ) -> tuple[str, list[dict]]:
        mode = (parse_mode or "").lower()
        if mode == "html":
            try:
                return parse_html(text)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        if mode == "":
            entities = params.json(entities_field)
            return text, entities if isinstance(entities, list) else []
        if mode in ("markdown", "markdownv2"):
            return text, []  # accepted, not checked: this project formats with HTML
        raise bad_request("unsupported parse_mode")

    def _text(self, params: Params) -> tuple[str, str, list[dict], str | None]:
        text = params.text("text") or ""
        parse_mode = params.text("parse_mode") or None
        plain, entities = self._format(text, parse_mode, params, "entities")
        if not plain.strip():
            raise bad_request("message text is empty")
        return text, plain, entities, parse_mode

    def _caption(self, params: Params) -> tuple[str, str, list[dict], str | None]:
        caption = params.text("caption") or ""
        parse_mode = params.text("parse_mode") or None
        plain, entities = self._format(caption, parse_mode, params, "caption_entities")
        if len(plain) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        return caption, plain, entities, parse_mode

    def _reply_markup(self, params: Params) -> dict | None:
        markup = params.json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            self._check_inline_keyboard(markup["inline_keyboard"])
        elif not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return markup

    @staticmethod
    def _check_inline_keyboard(rows: Any) -> None:
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard button: must be an array of arrays")
        for button in itertools.chain.from_iterable(rows):
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request(TEXT_BUTTONS_UNALLOWED)
            if "callback_data" in button:
                data = button["callback_data"]
                if not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif not any(k in button for k in _INLINE_BUTTON_ACTIONS):
                raise bad_request(TEXT_BUTTONS_UNALLOWED)

    @staticmethod
    def _inline_markup(markup: dict | None) -> dict | None:
        if markup and "inline_keyboard" in markup:
            return {"inline_keyboard": markup["inline_keyboard"]}
        return None

    def _reply_to(self, params: Params, chat_id: int) -> int | None:
        reply = params.json("reply_parameters")
        if isinstance(reply, dict):
            message_id = _int_or_none(reply.get("message_id"))
            chat = _int_or_none(reply.get("chat_id")) or chat_id
            allow = bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = params.integer("reply_to_message_id")
            chat, allow = chat_id, params.flag("allow_sending_without_reply")
        if message_id is None:
            return None
        if self._message_json(chat, message_id, nested=False) is not None:
            return message_id
        if allow:
            return None
        raise bad_request("message to be replied not found")

    def _message_json(self, chat_id: int, message_id: int, nested: bool = True) -> dict | None:
        bot_message = self._bot_msgs.get((chat_id, message_id))
        if bot_message is not None:
            return self._bot_message_json(bot_message, nested=nested)
        user_message = self._user_msgs.get((chat_id, message_id))
        if user_message is not None and not nested:
            return {k: v for k, v in user_message.items() if k != "reply_to_message"}
        return user_message

    def _bot_message_json(self, message: BotMessage, nested: bool = True) -> dict:
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": BOT_USER,
            "chat": self._views[message.chat_id].chat_json(),
            "date": message.date,
        }
        if message.edit_date:
            data["edit_date"] = message.edit_date
        if message.document:
            data["document"] = message.document.document_json()
        if message.photo:
            data["photo"] = message.photo.photo_json()
        text_key, entities_key = (
            ("caption", "caption_entities") if message.has_media else ("text", "entities")
        )
        if message.plain or not message.has_media:
            data[text_key] = message.plain
        if message.entities:
            data[entities_key] = message.entities
        inline = self._inline_markup(message.reply_markup)
        if inline:
            data["reply_markup"] = inline
        if nested and message.reply_to_message_id is not None:
            replied = self._message_json(message.chat_id, message.reply_to_message_id, nested=False)
            if replied is not None:
                data["reply_to_message"] = replied
        return data

    def _new_bot_message(self, chat_id: int, method: str, **fields: Any) -> dict:
        message = BotMessage(
            message_id=self._next_message_id(chat_id),
            chat_id=chat_id,
            date=_now(),
            method=method,
            **fields,
        )
        self._bot_msgs[(chat_id, message.message_id)] = message
        self.bot_messages.append(message)
        self.stats["sent"] += 1
        self._views[chat_id]._deliver(message)
        for callback in self.on_bot_message:
            callback(message)
        self._activity.fire()
        return self._bot_message_json(message)

    def _after_edit(self, message: BotMessage) -> dict:
        message.edit_date = _now()
        self.stats["edited"] += 1
        self._views[message.chat_id]._deliver_edit(dataclasses.replace(message))
        self._activity.fire()
        return self._bot_message_json(message)

    def _store_file(
        self, content: bytes, file_name: str | None, mime_type: str | None, kind: str
    ) -> StoredFile:
        number = next(self._file_counter)
        width = height = 0
        if kind == "photo":
            folder, suffix = "photos", ".jpg"
            file_name = mime_type = None
            width, height = image_size(content)
        else:
            folder, suffix = "documents", PurePosixPath(file_name or "").suffix
            if not mime_type or mime_type == "application/octet-stream":
                mime_type = mimetypes.guess_type(file_name or "")[0] or mime_type
        prefix = "AgAC" if kind == "photo" else "BQAC"
        stored = StoredFile(
            file_id=f"{prefix}{number:06d}{secrets.token_urlsafe(12)}",
            file_unique_id=f"AgAD{number:06d}{secrets.token_hex(4)}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            kind=kind,
            file_path=f"{folder}/file_{number}{suffix}",
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _input_file(self, params: Params, field: str, kind: str) -> StoredFile:
        value = params.raw(field)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.raw(value.removeprefix("attach://"))
        if isinstance(value, FileField):
            content = value.file.read()
            if not content:
                raise bad_request("file must be non-empty")
            if kind == "photo":
                check_photo(content)
            return self._store_file(content, value.filename, value.content_type, kind)
        if isinstance(value, str) and value:
            if value.startswith(("http://", "https://")):
                raise bad_request("failed to get HTTP URL content")
            stored = self.files.get(value)
            if stored is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            if stored.kind != kind:
                raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
            return stored
        raise bad_request(f"there is no {field} in the request")

    # ------------------------------------------------------------------ updates (used by users.py)

    def _push_update(self, payload: dict) -> None:
        if not self._wanted(next(iter(payload))):
            return  # Telegram does not deliver, nor keep, an update type the bot did not ask for
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        if self.webhook_url:
            self._webhook_send(update)
            return
        self._updates.append(update)
        self._updates_changed.fire()

    def _wanted(self, kind: str) -> bool:
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in NOT_BY_DEFAULT

    def _remember_allowed(self, params: Params) -> None:
        allowed = params.json("allowed_updates")
        if allowed is not None:
            self.allowed_updates = frozenset(allowed)

    def _webhook_send(self, update: dict) -> None:
        task = asyncio.create_task(self._deliver_webhook(update))
        self._webhook_tasks.add(task)
        task.add_done_callback(self._webhook_tasks.discard)

    async def _deliver_webhook(self, update: dict) -> None:
        """POST one update as Telegram does; the bot's answer status is recorded."""
        headers = (
            {"X-Telegram-Bot-Api-Secret-Token": self.webhook_secret} if self.webhook_secret else {}
        )
        if self._webhook_session is None:
            # One session for every delivery: keep-alive connections, as Telegram keeps them.
            self._webhook_session = aiohttp.ClientSession()
        session = self._webhook_session
        for _ in range(100):
            try:
                async with session.post(self.webhook_url, json=update, headers=headers) as resp:
                    self.webhook_statuses.append(resp.status)
                    if resp.status < 300:
                        return
                    # Telegram repeats an update the webhook did not take, then gives up.
                    self._webhook_failed(f"Wrong response from the webhook: {resp.status}")
            except aiohttp.ClientConnectionError:
                self._webhook_failed("Connection refused")
            await asyncio.sleep(0.1)

    def _webhook_failed(self, message: str) -> None:
        """Telegram reports the latest failed delivery in getWebhookInfo."""
        self.webhook_last_error = (_now(), message)

    def _incoming_message(self, sender: FakeUser, view: ChatView, fields: dict) -> dict:
        chat_id = view.chat_id
        if view is sender:  # writing to the bot (re)opens the private chat
            self._known_chats.add(chat_id)
            self.unblock(chat_id)
        message = {
            "message_id": self._next_message_id(chat_id),
            "from": sender.user_json(),
            "chat": view.chat_json(),
            "date": _now(),
            **fields,
        }
        self._user_msgs[(chat_id, message["message_id"])] = message
        self._push_update({"message": message})
        return message

    def _incoming_callback(self, user: FakeUser, message: BotMessage, data: str) -> str:
        query_id = str(next(self._callback_counter))
        query = {
            "id": query_id,
            "from": user.user_json(),
            "message": self._bot_message_json(message),
            "chat_instance": str(abs(hash((BOT_ID, message.chat_id)))),
            "data": data,
        }
        self._callbacks[query_id] = query
        self._push_update({"callback_query": query})
        return query_id

    # ------------------------------------------------------------------ Bot API methods

    async def _true(self, params: Params) -> bool:
        return True

    async def _get_me(self, params: Params) -> dict:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, params: Params) -> list[dict]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._remember_allowed(params)
        offset = params.integer("offset", 0) or 0
        limit = min(max(params.integer("limit", 100) or 100, 1), 100)
        timeout = max(params.number("timeout", 0.0), 0.0)
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed.fire()  # an older long poll learns it was superseded
        if not self._updates and timeout > 0 and not self._closing:
            await self._updates_changed.wait_for(
                lambda: bool(self._updates) or generation != self._poll_generation or self._closing,
                timeout,
            )
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        return self._updates[:limit]

    async def _set_webhook(self, params: Params) -> bool:
        self.webhook_last_error = None
        self.webhook_url = params.text("url") or ""
        self.webhook_secret = params.text("secret_token") or ""
        self._remember_allowed(params)
        if params.flag("drop_pending_updates"):
            self._updates.clear()
        # Telegram hands the updates that waited for getUpdates to the new webhook.
        if self.webhook_url:
            pending, self._updates = self._updates, []
            for update in pending:
                self._webhook_send(update)
        return True

    async def _delete_webhook(self, params: Params) -> bool:
        self.webhook_last_error = None
        self.webhook_url = self.webhook_secret = ""
        if params.flag("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: Params) -> dict:
        info = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates) + len(self._webhook_tasks),
        }
        if self.webhook_url and self.webhook_last_error:
            info["last_error_date"], info["last_error_message"] = self.webhook_last_error
        return info

    async def _send_message(self, params: Params) -> dict:
        chat_id = self._chat_for(params)
        text, plain, entities, parse_mode = self._text(params)
        if len(plain) > TEXT_LIMIT:
            raise bad_request("message is too long")
        return self._new_bot_message(
            chat_id,
            "sendMessage",
            text=text,
            plain=plain,
            entities=entities,
            parse_mode=parse_mode,
            reply_markup=self._reply_markup(params),
            reply_to_message_id=self._reply_to(params, chat_id),
        )

    async def _send_media(self, params: Params, field: str, method: str) -> dict:
        chat_id = self._chat_for(params)
        caption, plain, entities, parse_mode = self._caption(params)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat_id)
        stored = self._input_file(params, field, field)
        return self._new_bot_message(
            chat_id,
            method,
            text=caption,
            plain=plain,
            entities=entities,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            **{field: stored},
        )

    async def _send_document(self, params: Params) -> dict:
        return await self._send_media(params, "document", "sendDocument")

    async def _send_photo(self, params: Params) -> dict:
        return await self._send_media(params, "photo", "sendPhoto")

    async def _send_chat_action(self, params: Params) -> bool:
        self._chat_for(params)
        if params.text("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _edit_target(self, params: Params) -> BotMessage:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id = self._chat_for(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._bot_msgs.get((chat_id, message_id))
        if message is None:
            if (chat_id, message_id) in self._user_msgs:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return message

    async def _edit_message_text(self, params: Params) -> dict:
        message = self._edit_target(params)
        if message.has_media:
            raise bad_request("there is no text in the message to edit")
        text, plain, entities, parse_mode = self._text(params)
        if len(plain) > TEXT_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        return self._edit(message, params, text, plain, entities, parse_mode)

    async def _edit_message_caption(self, params: Params) -> dict:
        message = self._edit_target(params)
        if not message.has_media:
            raise bad_request("there is no caption in the message to edit")
        caption, plain, entities, parse_mode = self._caption(params)
        return self._edit(message, params, caption, plain, entities, parse_mode)

    def _edit(
        self,
        message: BotMessage,
        params: Params,
        text: str,
        plain: str,
        entities: list[dict],
        parse_mode: str | None,
    ) -> dict:
        """Change a message's text or caption in place; Telegram refuses an edit that changes nothing."""
        markup = self._inline_markup(self._reply_markup(params))
        if (plain, entities, markup) == (
            message.plain,
            message.entities,
            self._inline_markup(message.reply_markup),
        ):
            raise bad_request(NOT_MODIFIED)
        message.text, message.plain, message.entities = text, plain, entities
        message.parse_mode, message.reply_markup = parse_mode, markup
        return self._after_edit(message)

    async def _edit_message_reply_markup(self, params: Params) -> dict:
        message = self._edit_target(params)
        markup = self._inline_markup(self._reply_markup(params))
        if markup == self._inline_markup(message.reply_markup):
            raise bad_request(NOT_MODIFIED)
        message.reply_markup = markup
        return self._after_edit(message)

    async def _delete_message(self, params: Params) -> bool:
        chat_id = self._chat_for(params)
        key = (chat_id, params.integer("message_id") or 0)
        message = self._bot_msgs.pop(key, None)
        if message is not None:
            message.deleted = True
            self._activity.fire()
            return True
        if self._user_msgs.pop(key, None) is not None:
            return True
        raise bad_request("message to delete not found")

    async def _answer_callback_query(self, params: Params) -> bool:
        query = self._callbacks.pop(params.text("callback_query_id") or "", None)
        if query is None:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.text("text")
        if text and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.answered_callbacks.append(
            CallbackAnswer(
                callback_query_id=query["id"],
                user_id=query["from"]["id"],
                data=query.get("data"),
                text=text,
                show_alert=params.flag("show_alert"),
                url=params.text("url"),
            )
        )
        self._activity.fire()
        return True

    async def _get_file(self, params: Params) -> dict:
        stored = self.files.get(params.text("file_id") or "")
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.file_size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }

    def _command_key(self, params: Params) -> tuple[tuple, str]:
        scope = params.json("scope") or {"type": "default"}
        if not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = scope.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            key: tuple = (kind,)
        elif kind in ("chat", "chat_administrators"):
            key = (kind, self._known_chat(scope.get("chat_id")))
        elif kind == "chat_member":
            user_id = _int_or_none(scope.get("user_id"))
            if user_id is None:
                raise bad_request("invalid user_id specified")
            key = (kind, self._known_chat(scope.get("chat_id")), user_id)
        else:
            raise bad_request("wrong BotCommandScope type specified")
        return key, params.text("language_code") or ""

    async def _set_my_commands(self, params: Params) -> bool:
        commands = params.json("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        checked = []
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            description = str(command.get("description", "")) if isinstance(command, dict) else ""
            if not _COMMAND_NAME.fullmatch(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append((name, description))
        key = self._command_key(params)
        if checked:
            self._commands[key] = checked
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: Params) -> list[dict]:
        commands = self._commands.get(self._command_key(params), [])
        return [{"command": name, "description": text} for name, text in commands]

    async def _delete_my_commands(self, params: Params) -> bool:
        self._commands.pop(self._command_key(params), None)
        return True

    async def _set_chat_menu_button(self, params: Params) -> bool:
        chat_id = self._known_chat(params.raw("chat_id")) if params.has("chat_id") else None
        button = params.json("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise bad_request("can't parse menu button JSON object")
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, params: Params) -> dict:
        chat_id = self._known_chat(params.raw("chat_id")) if params.has("chat_id") else None
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {"type": "commands"}
