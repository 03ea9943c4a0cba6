"""Text entities the way Telegram computes them: HTML parse mode and bot commands.

Offsets and lengths are in UTF-16 code units, like the Bot API. The HTML parser follows the
rules of Telegram's (tdlib's) parser and its error messages, with one deliberate difference:
a bare ``&`` that does not start ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` or a numeric character
reference is rejected here, while Telegram passes it through. A bot that escapes every
user-supplied value with ``html.escape`` never notices; one that forgets is caught in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TAG_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}

_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_ATTRIBUTE = re.compile(r"""\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_COMMAND = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


class EntityParseError(ValueError):
    """The text does not parse; the message is Telegram's text after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    start: int  # UTF-16 offset in the output text
    attrs: dict[str, str] = field(default_factory=dict)
    language: str | None = None


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_refs(value: str) -> str:
    return _CHAR_REF.sub(lambda m: _char_ref_value(m) or m.group(0), value)


def _char_ref_value(match: re.Match[str]) -> str | None:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_REFS[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Return (plain text, entities) for ``text`` in HTML parse mode, or raise EntityParseError."""
    out: list[str] = []
    out_len = 0  # UTF-16 length of what is in `out`
    stack: list[_OpenTag] = []
    entities: list[dict] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "&":
            match = _CHAR_REF.match(text, i)
            decoded = _char_ref_value(match) if match else None
            if match is None or decoded is None:
                raise EntityParseError(
                    f"unescaped '&' at byte offset {_byte_offset(text, i)}: "
                    "write &amp;, &lt;, &gt; or &quot;"
                )
            out.append(decoded)
            out_len += utf16_len(decoded)
            i = match.end()
        elif char == "<" and text.startswith("</", i):
            i = _close_tag(text, i, stack, entities, out_len)
        elif char == "<":
            i = _open_tag(text, i, stack, out_len)
        else:
            out.append(char)
            out_len += utf16_len(char)
            i += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _open_tag(text: str, i: int, stack: list[_OpenTag], out_len: int) -> int:
    begin = i
    i += 1
    while i < len(text) and not text[i].isspace() and text[i] != ">":
        i += 1
    if i >= len(text):
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    name = text[begin + 1 : i].lower()
    if name not in TAG_ENTITY_TYPES:
        raise EntityParseError(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}'
        )
    attrs: dict[str, str] = {}
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[i] == ">":
            i += 1
            break
        match = _ATTRIBUTE.match(text, i)
        if match is None:
            raise EntityParseError(
                f'Unexpected character in tag "{name}" at byte offset {_byte_offset(text, i)}'
            )
        value = match.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attrs[match.group(1).lower()] = _decode_refs(value)
        i = match.end()
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise EntityParseError('Tag "span" must have class "tg-spoiler"')
    stack.append(_OpenTag(name=name, start=out_len, attrs=attrs))
    return i


def _close_tag(text: str, i: int, stack: list[_OpenTag], entities: list[dict], out_len: int) -> int:
    begin = i
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    i += 2
    while i < len(text) and not text[i].isspace() and text[i] != ">":
        i += 1
    name = text[begin + 2 : i].lower()
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text) or text[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    tag = stack.pop()
    if name and name != tag.name:
        raise EntityParseError(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
            f'expected "</{tag.name}>", found "</{name}>"'
        )
    _add_entity(tag, stack, entities, out_len)
    return i + 1


def _add_entity(tag: _OpenTag, stack: list[_OpenTag], entities: list[dict], end: int) -> None:
    length = end - tag.start
    kind = TAG_ENTITY_TYPES[tag.name]
    code_language = tag.attrs.get("class", "")
    if kind == "code" and stack and stack[-1].name == "pre" and stack[-1].start == tag.start:
        if code_language.startswith("language-"):
            stack[-1].language = code_language.removeprefix("language-")
        return  # <pre><code class="language-x"> is one pre entity with a language
    if length <= 0:
        return
    entity: dict = {"type": kind, "offset": tag.start, "length": length}
    if kind == "text_link":
        url = tag.attrs.get("href", "")
        if not url:
            return
        entity["url"] = url
    elif kind == "pre" and tag.language:
        entity["language"] = tag.language
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    entities.append(entity)


def command_entities(text: str) -> list[dict]:
    """bot_command entities, as Telegram sets them on incoming messages."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group(0)),
        }
        for m in _COMMAND.finditer(text)
    ]
