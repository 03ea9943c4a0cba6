"""Request parameters as Telegram reads them: query string, JSON body, or form fields.

python-telegram-bot sends every parameter as a form field (multipart when files are attached)
and JSON-encodes complex values (reply_markup, reply_parameters, scope, commands), so a value
may arrive as a string to decode or, from a JSON body, already decoded.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

from .models import ApiError, bad_request


class Params:
    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    @classmethod
    async def from_request(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            content_type = request.content_type
            try:
                if content_type == "application/json":
                    body = await request.json()
                    if not isinstance(body, dict):
                        raise bad_request("request body must be a JSON object")
                    values.update(body)
                elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                    values.update((await request.post()).items())
            except web.HTTPRequestEntityTooLarge as exc:
                raise ApiError(413, "Request Entity Too Large") from exc
            except json.JSONDecodeError as exc:
                raise bad_request("can't parse JSON body") from exc
        return cls(values)

    def has(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self._values.get(name)
        if value is None or isinstance(value, FileField):
            return default
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self._values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, default: float = 0.0) -> float:
        value = self._values.get(name)
        if value in (None, ""):
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        value = self._values.get(name)
        if isinstance(value, str):
            if not value:
                return None
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value
