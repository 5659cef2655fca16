"""An OptionList whose chosen line carries a mark, not only a colour: the base of the war room's
lists and of the severity and status dialogs' lists."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class MarkedList(OptionList):
    """An OptionList whose highlighted option also carries a `▶` mark: which one is chosen is
    never told by colour alone (16 colours, a colour-blind reader, a photo of the screen)."""

    MARK, NO_MARK = "▶ ", "  "
    _marked_lines: tuple[Text, ...] = ()

    def set_lines(self, lines: list[tuple[str, Text]]) -> None:
        """Replace the options, (id, line) each, without losing the user's place."""
        highlighted = self.highlighted
        self._marked_lines = tuple(line for _, line in lines)
        self.clear_options()
        self.add_options([Option(self._prompt(index), id=option_id) for index, (option_id, _) in enumerate(lines)])
        if self.option_count:
            self.highlighted = min(highlighted or 0, self.option_count - 1)

    def _prompt(self, index: int) -> Text:
        mark = self.MARK if index == self.highlighted else self.NO_MARK
        line = self._marked_lines[index]
        return Text.assemble(mark, line, no_wrap=line.no_wrap, overflow=line.overflow)

    def watch_highlighted(self, old: int | None, new: int | None) -> None:  # type: ignore[override]  # (old, new): Textual passes both
        super().watch_highlighted(new)
        for index in {old, new}:
            if index is not None and 0 <= index < min(len(self._marked_lines), self.option_count):
                self.replace_option_prompt_at_index(index, self._prompt(index))
