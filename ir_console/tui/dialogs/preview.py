"""The post-mortem preview (ctrl+o): what `ir-console export` writes, rendered or as Markdown source."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import (
    Label,
    Markdown,
    TextArea,
)

from ir_console.render.text import one_line


class PreviewScreen(ModalScreen[None]):
    """What `ir-console export` writes, with the boxes as they are now: rendered, or as Markdown source."""

    BINDINGS = [
        Binding("escape,ctrl+o", "dismiss", "Close"),
        Binding("m", "toggle_source", "Rendered / source"),
    ]

    def __init__(self, markdown: str, ref: str) -> None:
        super().__init__()
        self.markdown = markdown
        self.ref = ref

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(
                f"Preview: ir-console export {one_line(self.ref)} writes this · m: rendered / source · esc closes",
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll(id="preview-rendered"):
                yield Markdown(self.markdown)
            yield TextArea(self.markdown, id="preview-source", read_only=True, soft_wrap=True)

    def action_toggle_source(self) -> None:
        self.toggle_class("-source")
