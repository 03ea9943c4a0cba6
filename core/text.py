"""Text that users type: cleaned before it is stored, and split so each part fits a message."""

from __future__ import annotations

import re
import unicodedata

# Line breaks and tabs are how people lay out a note; every other control or format character
# (zero-width space, bidi overrides such as U+202E, soft hyphen, NUL) only hides or reorders text.
_KEPT = frozenset("\n\t")


def strip_invisible(text: str) -> str:
    """Drop control and format characters (Unicode Cc, Cf) except line breaks and tabs."""
    if text.isprintable():  # no Cc or Cf at all: the common case, at C speed
        return text
    return "".join(c for c in text if c in _KEPT or unicodedata.category(c) not in ("Cc", "Cf"))


def ascii_digits(text: str) -> str:
    """Any script's decimal digits (full-width ０-９, Arabic-Indic ٠-٩…) as ASCII 0-9; other
    characters unchanged, so a NIP is checked and stored in one spelling."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


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


_MARKUP = re.compile(r"<(/?)([a-z\-]+)[^>]*>|&#?\w+;")
# Where a long text may be cut, best first: a paragraph, a line, a sentence, a word.
_CUTS = ("\n\n", "\n", ". ", " ")
# Room kept for the tags closed at the end of a part and reopened at the start of the next.
_TAG_ROOM = 64


def _inside_markup(text: str, position: int) -> bool:
    return any(m.start() < position < m.end() for m in _MARKUP.finditer(text))


def _cut_at(text: str, limit: int) -> int:
    """The best place to cut `text` at or before `limit`: never inside a tag or an entity."""
    for mark in _CUTS:
        at = text.rfind(mark, limit // 2, limit)
        while at > 0 and _inside_markup(text, at):
            at = text.rfind(mark, limit // 2, at)
        if at > 0:
            return at + (len(mark) if mark == ". " else 0)
    at = limit
    while _inside_markup(text, at):
        at -= 1
    return at


def _open_tags(html: str) -> list[tuple[str, str]]:
    """The tags (name, as written) opened and not closed at the end of `html`, outermost first."""
    stack: list[tuple[str, str]] = []
    for m in _MARKUP.finditer(html):
        closing, name = m.group(1), m.group(2)
        if not name:
            continue
        if closing:
            if stack and stack[-1][0] == name:
                stack.pop()
        else:
            stack.append((name, m.group(0)))
    return stack


def html_pages(text: str, limit: int) -> list[str]:
    """Telegram HTML cut into messages of at most `limit` characters: at a paragraph, line,
    sentence or word, never inside a tag or entity; a tag open at a cut is closed at the end
    of one part and opened again at the start of the next."""
    parts: list[str] = []
    while len(text) > limit:
        at = _cut_at(text, limit - _TAG_ROOM)
        head, text = text[:at].rstrip(), text[at:].lstrip("\n ")
        opened = _open_tags(head)
        parts.append(head + "".join(f"</{name}>" for name, _ in reversed(opened)))
        text = "".join(tag for _, tag in opened) + text
    parts.append(text)
    return [part for part in parts if part.strip()]
