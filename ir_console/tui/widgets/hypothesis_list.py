"""The hypotheses pane: ranked, each with its result badge."""

from __future__ import annotations

from typing import cast

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from ir_console.model import Hypothesis, HypothesisResult
from ir_console.render.text import one_line
from ir_console.tui.widgets.marked_list import MarkedList

RESULT_BADGES = {
    HypothesisResult.OPEN: ("OPEN", "bold"),
    HypothesisResult.CONFIRMED: ("CONFIRMED", "bold green"),
    HypothesisResult.REJECTED: ("REJECTED", "dim strike"),
}


class HypothesisList(MarkedList):
    """Ranked hypotheses with their result, each beside its rank with the number it was given when
    written (`2. H3`): the name the timeline uses. Enter opens one; `[` and `]` move it in the ranking."""

    BINDINGS = [
        Binding("left_square_bracket", "move(-1)", "Rank up", id="rank-up"),
        Binding("right_square_bracket", "move(1)", "Rank down", id="rank-down"),
    ]

    class Move(Message):
        def __init__(self, hypothesis_id: int, offset: int) -> None:
            super().__init__()
            self.hypothesis_id = hypothesis_id
            self.offset = offset

    shown: list[Hypothesis] | None = None

    def show(self, hypotheses: list[Hypothesis]) -> None:
        if hypotheses == self.shown:
            return  # nothing changed: no rebuild, no redraw
        self.shown = hypotheses
        self.set_lines([(str(h.id), self._line(h)) for h in hypotheses])

    @staticmethod
    def _line(hypothesis: Hypothesis) -> Text:
        badge, style = RESULT_BADGES[hypothesis.result]
        line = Text(f"{hypothesis.rank}. ", style="bold")
        line.append(f"{hypothesis.label:<3} ", style="bold")
        line.append(f"{badge:<9} ", style=style)
        line.append(
            one_line(hypothesis.statement), style="strike" if hypothesis.result is HypothesisResult.REJECTED else ""
        )
        return line

    def action_move(self, offset: int) -> None:
        if self.highlighted is not None:
            option = self.get_option_at_index(self.highlighted)
            self.post_message(self.Move(int(cast(str, option.id)), offset))
