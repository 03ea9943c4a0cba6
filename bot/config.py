"""Settings from the environment and `.env`; every field is documented in `.env.example`."""

from __future__ import annotations

import re
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.calendar import CalendarConfig

_HOURS = re.compile(r"^\s*([1-7])(?:-([1-7]))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s*$")


def parse_office_hours(text: str) -> dict[int, tuple[time, time]]:
    """`1-4 07:30-16:00; 5 07:30-16:30`: ISO weekdays (1 = Senin) and their opening hours."""
    hours: dict[int, tuple[time, time]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        m = _HOURS.match(part)
        if not m:
            raise ValueError(f"OFFICE_HOURS tidak dikenali: {part!r} (contoh: 1-4 07:30-16:00)")
        first, last = int(m[1]), int(m[2] or m[1])
        span = (time(int(m[3]), int(m[4])), time(int(m[5]), int(m[6])))
        for day in range(first, last + 1):
            hours[day - 1] = span
    return hours


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    bot_token: str = ""
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = "sqlite+aiosqlite:///./data/kinerja.db"
    data_dir: Path = Path("./data")
    timezone: str = Field(default="Asia/Jakarta", validation_alias="TIMEZONE")
    office_name: str = "Dinas Tenaga Kerja"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    office_hours: str = "1-4 07:30-16:00; 5 07:30-16:30"
    extra_days_off: Annotated[frozenset[date], NoDecode] = frozenset()
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    send_rate: float = 30.0
    per_chat_interval: float = 1.0
    persistence_interval: float = 1.0
    log_level: str = "INFO"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(v) for v in re.split(r"[,\s]+", value) if v)
        return value

    @field_validator("extra_days_off", mode="before")
    @classmethod
    def _days(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(date.fromisoformat(v) for v in re.split(r"[,\s]+", value) if v)
        return value

    @field_validator("office_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_office_hours(value)
        return value

    @cached_property
    def calendar(self) -> CalendarConfig:
        return CalendarConfig(
            timezone=self.timezone,
            office_hours=parse_office_hours(self.office_hours),
            extra_days_off=self.extra_days_off,
        )

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"
