"""What a monitoring system reads from a running bot: counters in the Prometheus text format.

Each application has its own registry (not prometheus_client's global one), so several bots in
one test process count apart. Nothing here names a user: only totals.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """The bot's counters and gauges; the outbox gauges are set at scrape time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        reg = self.registry
        self.updates = Counter("kinerja_updates", "Updates handled", registry=reg)
        self.errors = Counter("kinerja_errors", "Updates or jobs that failed", registry=reg)
        self.sent = Counter(
            "kinerja_messages_sent", "Outbox messages delivered to Telegram", registry=reg
        )
        self.too_many = Counter(
            "kinerja_telegram_429", "429 Too Many Requests answers from Telegram", registry=reg
        )
        self.reminders = Counter(
            "kinerja_reminders",
            "Reminders, escalations and heads-ups written by the overdue scan",
            ["kind"],
            registry=reg,
        )
        self.scan_seconds = Histogram(
            "kinerja_scan_duration_seconds", "Duration of one overdue scan", registry=reg
        )
        self.backlog = Gauge(
            "kinerja_outbox_backlog", "Outbox messages due and not yet sent", registry=reg
        )
        self.backlog_age = Gauge(
            "kinerja_outbox_oldest_age_seconds",
            "How long the oldest due, unsent outbox message has waited (0 when none)",
            registry=reg,
        )
        self.last_scan: datetime | None = None

    def scanned(self, at: datetime, seconds: float, reminders: dict[str, int]) -> None:
        """One overdue scan finished at `at` (office clock) after `seconds`."""
        self.last_scan = at
        self.scan_seconds.observe(seconds)
        for kind, count in reminders.items():
            self.reminders.labels(kind).inc(count)

    def outbox(self, count: int, oldest: datetime | None, now: datetime) -> None:
        self.backlog.set(count)
        self.backlog_age.set(max((now - oldest).total_seconds(), 0.0) if oldest else 0.0)

    def outbox_unreadable(self) -> None:
        """The database did not answer: no number rather than the last one, which may be old."""
        self.backlog.set(float("nan"))
        self.backlog_age.set(float("nan"))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
