"""The one place user text is made safe: for the screen, for one line, and for Markdown.

User text is data. On screen it is wrapped in `rich.text.Text` (never parsed as markup) after
`display_text` has removed terminal control sequences; in Markdown it is escaped by `md_cell`.
"""

from __future__ import annotations

import re

# The patterns below, by name, compiled when first used (`_compiled`; `text.NAME` works too): an
# `ir-console log` prints one plain line and needs none of them.
_PATTERNS: dict[str, str] = {}
_COMPILED: dict[str, re.Pattern[str]] = {}


def _compiled(name: str) -> re.Pattern[str]:
    pattern = _COMPILED.get(name)
    if pattern is None:
        pattern = _COMPILED[name] = re.compile(_PATTERNS[name])
    return pattern


def __getattr__(name: str) -> re.Pattern[str]:
    if name in _PATTERNS:
        return _compiled(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC
# (ESC P/X/^/_ ... ST) and two-character escapes; plus their 8-bit C1 forms.
_PATTERNS["ESCAPE_SEQUENCE"] = r"""(?x)
    \x1b\[[0-?]*[ -/]*[@-~]              # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC, ended by BEL or ST
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?       # DCS, SOS, PM, APC
    | \x1b[@-Z\\-_]                       # other two-character escapes
    | \x9b[0-?]*[ -/]*[@-~]               # 8-bit CSI
    | [\x90\x98\x9d\x9e\x9f][^\x07\x9c]*[\x07\x9c]?  # 8-bit string controls
    """
# Any control character left, except newline and tab; DEL and C1 included.
_PATTERNS["CONTROL_CHARACTER"] = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
# Bidi overrides and isolates can make text read differently from how it is stored.
_PATTERNS["BIDI_CONTROL"] = "[\u202a-\u202e\u2066-\u2069]"
# Invisible and format characters: they hide text, join or split what looks like one word, or
# reorder it (the marks), and terminals disagree on their width. Dropped from what is shown,
# exported as Markdown and put in a status update; the record keeps them as typed.
# Soft hyphen; Arabic letter mark (ALM); Mongolian vowel separator; zero-width space, non-joiner
# and joiner, left-to-right and right-to-left marks (LRM, RLM); word joiner, invisible operators
# and the deprecated format characters; BOM (zero-width no-break space); interlinear annotation
# marks; the Unicode TAG characters (U+E0000–E007F, which can carry a whole hidden ASCII text).
_PATTERNS["INVISIBLE_CHARACTER"] = (
    "[\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2065\u206a-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
# The Unicode line and paragraph separators are line breaks: shown as one, never as a glyph-less
# break a terminal may or may not honour.
_PATTERNS["LINE_SEPARATOR"] = "[\u2028\u2029]"
_PATTERNS["LONE_SURROGATE"] = "[\ud800-\udfff]"


def display_text(text: str) -> str:
    """Text with every terminal control sequence and control character removed, tabs expanded,
    bidi controls and invisible format characters dropped, U+2028/U+2029 made newlines."""
    if text.isascii() and text.isprintable():
        return text  # none of the patterns below can match printable ASCII
    text = _compiled("ESCAPE_SEQUENCE").sub("", text)
    text = _compiled("LINE_SEPARATOR").sub("\n", text)
    text = _compiled("CONTROL_CHARACTER").sub("", text.replace("\r\n", "\n").replace("\t", "    "))
    text = _compiled("BIDI_CONTROL").sub("", text)
    text = _compiled("INVISIBLE_CHARACTER").sub("", text)
    return _compiled("LONE_SURROGATE").sub("\ufffd", text)


def one_line(text: str, limit: int | None = None) -> str:
    """Display text on a single line (newlines shown as ` ⏎ `), cut to `limit` characters."""
    line = " ⏎ ".join(part for part in display_text(text).split("\n"))
    if limit is not None and len(line) > limit:
        return line[: max(0, limit - 1)] + "…"
    return line


MARKDOWN_CELL_ESCAPES = str.maketrans(
    {
        "|": "\\|",
        "`": "\\`",
        "\\": "\\\\",
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
    }
)


def md_cell(text: str) -> str:
    """User text inside a GitHub-flavoured Markdown table cell: one line, nothing that breaks it."""
    cleaned = display_text(text).strip().translate(MARKDOWN_CELL_ESCAPES)
    return "<br>".join(line.strip() for line in cleaned.split("\n"))


# What would make the start of a line a heading, quote, list item or thematic break.
_PATTERNS["BLOCK_START"] = r"^(#|>|[-+=]|\d+[.)])"


def md_inline(text: str) -> str:
    """User text inside a Markdown paragraph or list item, on one line, formatting escaped.

    Safe at the start of a line too: a leading `#`, `>`, `-`, `+`, `=` or `1.` is escaped, so the
    text stays a paragraph and never becomes a heading or a list.
    """
    line = " ".join(display_text(text).split()).translate(MARKDOWN_CELL_ESCAPES)
    return _compiled("BLOCK_START").sub(lambda found: found.group(1)[:-1] + "\\" + found.group(1)[-1], line)


_PATTERNS["FENCE_OPEN"] = r"^ {0,3}(`{3,}|~{3,})"
# `#` and `##` belong to the document and its sections: a written section's headings start at `###`.
_PATTERNS["TOP_HEADING"] = r"^( {0,3})#{1,2}(?=[ \t]|$)"
_PATTERNS["SETEXT_UNDERLINE"] = r"^ {0,3}(?:=+|-+)[ \t]*$"
_PATTERNS["BACKTICKS"] = r"`+"
_PATTERNS["AUTOLINK"] = r"<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>|<[^\s@<>]+@[^\s@<>]+>"
_PATTERNS["HTML_START"] = r"<(?=[A-Za-z/!?])"


def md_block(text: str) -> str:
    """A section someone wrote in Markdown on purpose: kept as Markdown, made safe to embed.

    Terminal control sequences are removed; raw HTML (a pasted `<html>` error page, a `<script>`)
    is shown as text, except in code; autolinks (`<https://...>`) still work. Headings are
    demoted to `###` and a setext underline (`---` under a line) becomes a rule, so what someone
    wrote cannot add a section to the document it sits in.
    """
    out: list[str] = []
    fence = ""
    for line in display_text(text).strip().split("\n"):
        if fence:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = ""
            continue
        opening = _compiled("FENCE_OPEN").match(line)
        if opening:
            fence = opening.group(1)
            out.append(line)
            continue
        if _compiled("SETEXT_UNDERLINE").match(line) and out and out[-1].strip():
            out.append("")
        line = _compiled("TOP_HEADING").sub(r"\1###", line)
        out.append(_escape_html_outside_code(line))
    if fence:
        out.append(fence)  # an unclosed code block would swallow the sections after it
    return "\n".join(out).strip()


def _escape_html_outside_code(line: str) -> str:
    """`<` that would open an HTML tag becomes `&lt;`, outside inline code spans and autolinks."""
    parts: list[str] = []
    position = 0
    while position < len(line):
        opening = _compiled("BACKTICKS").search(line, position)
        if opening is None:
            break
        run = opening.group()
        closing = next((m for m in _compiled("BACKTICKS").finditer(line, opening.end()) if m.group() == run), None)
        if closing is None:
            break
        parts.append(_escape_html(line[position : opening.start()]))
        parts.append(line[opening.start() : closing.end()])
        position = closing.end()
    parts.append(_escape_html(line[position:]))
    return "".join(parts)


def _escape_html(text: str) -> str:
    pieces, position = [], 0
    for link in _compiled("AUTOLINK").finditer(text):
        pieces.append(_compiled("HTML_START").sub("&lt;", text[position : link.start()]))
        pieces.append(link.group())
        position = link.end()
    pieces.append(_compiled("HTML_START").sub("&lt;", text[position:]))
    return "".join(pieces)
