"""Import errors as a chat message, located so the user can find and fix each one."""

from __future__ import annotations

from collections.abc import Sequence

from core.kertas_kerja.schema import (
    RowError,
)


def format_errors(errors: Sequence[RowError], limit: int = 30, max_chars: int = 3500) -> str:
    """Plain-text error list for a chat message, kept under Telegram's 4096 characters."""
    if not errors:
        return "Kertas Kerja bersih, tidak ada kesalahan."
    lines = [
        f"Kertas Kerja belum dapat diimpor: {len(errors)} kesalahan. "
        "Perbaiki lalu kirim ulang file-nya; belum ada yang disimpan."
    ]
    used = len(lines[0])
    shown = 0
    for error in errors[:limit]:
        line = "• " + _locate(error) + error.message
        if len(line) > 300:
            line = line[:299] + "…"
        if used + len(line) + 60 > max_chars:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    rest = len(errors) - shown
    if rest:
        lines.append(f"… dan {rest} kesalahan lain.")
    return "\n".join(lines)


def _locate(error: RowError) -> str:
    parts = []
    if error.sheet:
        parts.append(f"Sheet {error.sheet}")
    if error.row is not None:
        parts.append(f"baris {error.row}")
    if error.column:
        parts.append(f'kolom "{error.column}"')
    return (", ".join(parts) + ": ") if parts else ""
