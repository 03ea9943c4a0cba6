"""The bot's HTTP client for the Bot API: python-telegram-bot's `BaseRequest` on aiohttp.

PTB's default client (httpx) cost about 1.4 ms of CPU a request with 20 requests in flight,
most of it scanning its connection pool; aiohttp about 0.1 ms (bench/README.md). Semantics
follow `HTTPXRequest`: the same default timeouts, TimedOut and NetworkError for the same
failures, proxies from the environment and certifi's certificates.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from functools import cache
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# HTTPXRequest's defaults, so a request times out as it did before.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
MEDIA_WRITE_TIMEOUT = 20.0
POOL_TIMEOUT = 1.0


def _or_default(value: float | None, default: float | None) -> float | None:
    return default if value is BaseRequest.DEFAULT_NONE else value


def _sum(*parts: float | None) -> float | None:
    """A bound made of several phases; none when any phase is unbounded."""
    return None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]


@cache
def _proxy(scheme: str, host: str) -> str | None:
    """HTTP(S)_PROXY and NO_PROXY as httpx honoured them, read once per host: aiohttp's own
    `trust_env` reads them (and ~/.netrc) on a worker thread for every request."""
    return None if proxy_bypass(host) else getproxies().get(scheme)


def _upload_time(files: dict, write_timeout: float | None) -> float | None:
    """aiohttp has no write timeout, so an upload is bounded as a whole: the write timeout for
    every started MiB (at least 50 kB/s: a workbook on an office's slow uplink still goes),
    unbounded when a part's size is not known in advance (a file handle)."""
    per_mib = _or_default(write_timeout, MEDIA_WRITE_TIMEOUT)
    parts = [content for _name, content, _mime in files.values()]
    if per_mib is None or not all(isinstance(p, bytes) for p in parts):
        return None
    started_mib = -(-sum(len(p) for p in parts) // 2**20)
    return per_mib * max(1, started_mib)


_JSON = {"Content-Type": "application/json"}


@cache
def _tls() -> ssl.SSLContext:
    """Loading the CA bundle takes tens of milliseconds: once per process, not per session."""
    return ssl.create_default_context(cafile=certifi.where())


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of `connection_pool_size` connections."""

    __slots__ = ("_pool_size", "_read_timeout", "_session")

    def __init__(
        self, connection_pool_size: int = 256, read_timeout: float | None = READ_TIMEOUT
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            # The session belongs to the running loop, so it is made here, not in __init__.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._pool_size,
                    ssl=_tls(),
                ),
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else {}
        read = _or_default(read_timeout, self._read_timeout)
        connect = _or_default(connect_timeout, CONNECT_TIMEOUT)
        pool = _or_default(pool_timeout, POOL_TIMEOUT)
        timeout = aiohttp.ClientTimeout(
            connect=_sum(pool, connect),  # aiohttp's "connect" covers waiting for the pool
            sock_connect=connect,
            sock_read=read,
            total=_sum(pool, connect, read, _upload_time(files, write_timeout)) if files else None,
        )
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if files:
            # Names as UTF-8, as httpx and Telegram's own clients send them, not percent-encoded.
            body = aiohttp.FormData(request_data.json_parameters, quote_fields=False)
            for name, (filename, content, mimetype) in files.items():
                body.add_field(name, content, filename=filename, content_type=mimetype)
        elif request_data is not None:
            # Telegram takes a JSON body for every call without a file: one encoding of the
            # whole instead of a form field per parameter, each percent-encoded.
            body, headers = json.dumps(request_data.parameters).encode(), _JSON
        parts = urlsplit(url)
        proxy = _proxy(parts.scheme, parts.hostname or "")
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout, proxy=proxy
            ) as res:
                return res.status, await res.read()
        except asyncio.TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
