"""A scrolling pane of text lines that redraws only the lines that changed.

The signal panes redraw every second. A `Static` re-renders its whole text (and the screen's
layout) on every update; this Line API view keeps each line's rendered strip and refreshes only
the lines whose text or style changed, which is most of what an idle console spends on them.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TextPane(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    TextPane { height: 1fr; background: $surface; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lines: Sequence[Text] = []
        self._strips: dict[int, Strip] = {}  # by line index, at the current width
        self._drawn = False
        # The pane's own style (its colours over its ancestors' backgrounds) under each line, asked
        # once a show rather than once a line: Textual works it out by walking every ancestor, and it
        # was over half of what drawing a changed line cost (the System pane changes ~8 a second).
        self._base_style: Style | None = None

    @property
    def plain(self) -> str:
        """The text on show ("" before anything was shown)."""
        return "\n".join(line.plain for line in self._lines)

    @property
    def drawn(self) -> bool:
        return self._drawn

    def show_lines(self, lines: Sequence[Text]) -> None:
        """Show `lines`, a sequence that may make each line only when it is drawn (a long list
        then costs the lines in view, not all of them)."""
        self._lines, self._drawn = lines, True
        self._strips.clear()
        self._base_style = None
        self.virtual_size = Size(self.scrollable_content_region.width, len(lines))
        self.refresh()

    def show_text(self, text: Text) -> None:
        lines: list[Text] = list(text.split("\n", allow_blank=True)) if text.plain else []
        before, self._lines, self._drawn = self._lines, lines, True
        self._base_style = None
        if len(lines) != len(before):
            self._strips.clear()
            self.virtual_size = Size(self.scrollable_content_region.width, len(lines))
            self.refresh()
            return
        changed = [
            index
            for index, (new, old) in enumerate(zip(lines, before))
            if new.plain != old.plain or new.spans != old.spans or new.style != old.style
        ]
        if not changed:
            return
        for index in changed:
            self._strips.pop(index, None)
        # One refresh for every changed line (what `refresh_line` does for one): each call works out
        # the pane's gutter and scrollbars again, which cost more than comparing the lines.
        top, width = self.scroll_offset.y, max(self.virtual_size.width, self.size.width)
        self.refresh(*(Region(0, index - top, width, 1) for index in changed))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None

    def on_resize(self) -> None:
        self._strips.clear()
        self._base_style = None
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._lines))

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if not 0 <= index < len(self._lines):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(index)
        if strip is None or strip.cell_length != width:
            strip = self._strips[index] = self._render_text_line(self._lines[index], width)
        return strip

    def _render_text_line(self, line: Text, width: int) -> Strip:
        line = line.copy()
        line.no_wrap, line.overflow, line.end = True, "ellipsis", ""
        line.truncate(width, overflow="ellipsis", pad=True)
        if self._base_style is None:
            self._base_style = self.rich_style
        base = self._base_style
        segments = [
            Segment(segment.text, base + segment.style if segment.style else base)
            for segment in line.render(self.app.console)
        ]
        return Strip(segments, width).simplify()
