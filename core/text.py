"""Text that users type: cleaned before it is stored, and split so each part fits a message."""

from __future__ import annotations

import unicodedata

# Line breaks and tabs are how people lay out a note; every other control or format character
# (zero-width space, bidi overrides such as U+202E, soft hyphen, NUL) only hides or reorders text.
_KEPT = frozenset("\n\t")


def strip_invisible(text: str) -> str:
    """Drop control and format characters (Unicode Cc, Cf) except line breaks and tabs."""
    return "".join(c for c in text if c in _KEPT or unicodedata.category(c) not in ("Cc", "Cf"))


def ascii_digits(text: str) -> str:
    """Any script's decimal digits (full-width ０-９, Arabic-Indic ٠-٩…) as ASCII 0-9; other
    characters unchanged, so a NIP is checked and stored in one spelling."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def pages(text: str, limit: int) -> list[str]:
    """Cut at paragraph, then line boundaries; a single over-long line is cut hard."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return parts


def full_stop(name: str) -> str:
    """The full stop that ends a sentence after `name`: none when the name already ends in one
    (`Budi Santoso, S.E.`), so the reader never sees two."""
    return "" if name.rstrip().endswith(".") else "."


def shorten(text: str, limit: int) -> str:
    """`text` whole when it fits, else cut at the last word boundary with "…" (a hard cut only
    when the first word alone is longer than half the room)."""
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    if not text[limit - 1].isspace():  # the room ends inside a word: drop that word
        cut = room.rfind(" ")
        room = room[:cut] if cut >= limit // 2 else room
    return room.rstrip(" ,;:–—-") + "…"
