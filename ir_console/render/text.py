"""The one place user text is made safe: for the screen, for one line, and for Markdown.

User text is data. On screen it is wrapped in `rich.text.Text` (never parsed as markup) after
`display_text` has removed terminal control sequences; in Markdown it is escaped by `md_cell`.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC
# (ESC P/X/^/_ ... ST) and two-character escapes; plus their 8-bit C1 forms.
ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]              # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC, ended by BEL or ST
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?       # DCS, SOS, PM, APC
    | \x1b[@-Z\\-_]                       # other two-character escapes
    | \x9b[0-?]*[ -/]*[@-~]               # 8-bit CSI
    | [\x90\x98\x9d\x9e\x9f][^\x07\x9c]*[\x07\x9c]?  # 8-bit string controls
    """,
    re.VERBOSE,
)
# Any control character left, except newline and tab; DEL and C1 included.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi overrides and isolates can make text read differently from how it is stored.
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def display_text(text: str) -> str:
    """Text with every terminal control sequence and control character removed, tabs expanded."""
    text = ESCAPE_SEQUENCE.sub("", text)
    text = CONTROL_CHARACTER.sub("", text.replace("\r\n", "\n").replace("\t", "    "))
    text = BIDI_CONTROL.sub("", text)
    return LONE_SURROGATE.sub("\ufffd", text)


def one_line(text: str, limit: int | None = None) -> str:
    """Display text on a single line (newlines shown as ` ⏎ `), cut to `limit` characters."""
    line = " ⏎ ".join(part for part in display_text(text).split("\n"))
    if limit is not None and len(line) > limit:
        return line[: max(0, limit - 1)] + "…"
    return line


MARKDOWN_CELL_ESCAPES = str.maketrans({
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
})


def md_cell(text: str) -> str:
    """User text inside a GitHub-flavoured Markdown table cell: one line, nothing that breaks it."""
    cleaned = display_text(text).strip().translate(MARKDOWN_CELL_ESCAPES)
    return "<br>".join(line.strip() for line in cleaned.split("\n"))


def md_inline(text: str) -> str:
    """User text inside a Markdown paragraph or list item, on one line, formatting escaped."""
    return " ".join(display_text(text).split()).translate(MARKDOWN_CELL_ESCAPES)


def md_block(text: str) -> str:
    """A section someone wrote in Markdown on purpose: kept as Markdown, control sequences removed."""
    return display_text(text).strip()
