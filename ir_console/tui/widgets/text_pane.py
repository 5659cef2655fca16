"""A scrolling pane showing one block of text, redrawn only when its text changes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static


class TextPane(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    TextPane { height: 1fr; background: $surface; }
    TextPane > Static { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self._shown: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(markup=False, classes="body")

    def show_text(self, text: Text) -> None:
        if self._shown is not None and text == self._shown and text.spans == self._shown.spans:
            return
        self._shown = text
        self.query_one(".body", Static).update(text)
