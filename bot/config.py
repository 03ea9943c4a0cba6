"""Settings from the environment and `.env`; every field is documented in `.env.example`."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.calendar import CalendarConfig, parse_office_hours
from core.capaian import CapaianRules
from core.digest import DigestRules
from core.reminders import ReminderRules
from storage.db import DEFAULT_CONNECTIONS

_BAND = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s+(\S.*?)\s*$")


def parse_bands(text: str) -> tuple[tuple[Decimal, str], ...]:
    """`91 Sangat Tinggi; 76 Tinggi; ...`: each band's lowest capaian (inclusive) and its name."""
    bands = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        m = _BAND.match(part)
        if not m:
            raise ValueError(f"PREDIKAT_BANDS tidak dikenali: {part!r} (contoh: 91 Sangat Tinggi)")
        bands.append((Decimal(m[1].replace(",", ".")), m[2]))
    if not bands:
        raise ValueError("PREDIKAT_BANDS kosong")
    return tuple(bands)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    bot_token: str = ""
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = "sqlite:///./data/kinerja.db"
    database_connections: int = Field(default=DEFAULT_CONNECTIONS, ge=6)
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
    log_format: Literal["text", "json"] = "text"
    capaian_cap: Decimal = Decimal(120)
    predikat_bands: str = "91 Sangat Tinggi; 76 Tinggi; 66 Sedang; 51 Rendah; 0 Sangat Rendah"
    negative_variant: Literal["khusus", "rasio"] = "khusus"
    weight_by_pagu: bool = False
    reminder_interval_minutes: int = 60
    reminder_max: int = 3
    reminder_escalate_after: int = 3
    reminder_headsup: bool = True
    reminder_scan_seconds: float = 60.0
    digest_day: int = Field(default=1, ge=1, le=7)
    digest_hour: time = time(8, 0)
    clock_offset_seconds: float = 0.0
    outbox_retention_days: int = Field(default=30, ge=0)

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

    @field_validator("capaian_cap", mode="before")
    @classmethod
    def _cap(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return Decimal(value.strip().replace(",", "."))
            except InvalidOperation as exc:
                raise ValueError(f"CAPAIAN_CAP bukan angka: {value!r}") from exc
        return value

    @field_validator("predikat_bands")
    @classmethod
    def _bands(cls, value: str) -> str:
        CapaianRules(bands=parse_bands(value))
        return value

    @cached_property
    def rules(self) -> CapaianRules:
        """The office's capaian rules, one immutable value passed into core."""
        return CapaianRules(
            cap=self.capaian_cap,
            bands=parse_bands(self.predikat_bands),
            negative_variant=self.negative_variant,
            weight_by_pagu=self.weight_by_pagu,
        )

    @model_validator(mode="after")
    def _ladder(self) -> Settings:
        self.reminders  # noqa: B018  (refuses a ladder that cannot work, at start)
        return self

    @cached_property
    def reminders(self) -> ReminderRules:
        """The reminder ladder, one immutable value passed into core."""
        return ReminderRules(
            interval_minutes=self.reminder_interval_minutes,
            max_reminders=self.reminder_max,
            escalate_after=self.reminder_escalate_after,
            headsup=self.reminder_headsup,
        )

    @property
    def digest(self) -> DigestRules:
        """When the weekly regency digest goes out."""
        return DigestRules(self.digest_day, self.digest_hour)

    @cached_property
    def calendar(self) -> CalendarConfig:
        return CalendarConfig(
            timezone=self.timezone,
            office_hours=parse_office_hours(self.office_hours),
            extra_days_off=self.extra_days_off,
        )

    @property
    def outbox_retention(self) -> timedelta | None:
        """0 keeps delivered messages' payloads for ever."""
        return timedelta(days=self.outbox_retention_days) if self.outbox_retention_days else None

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"
