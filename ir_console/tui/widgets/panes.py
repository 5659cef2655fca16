"""The war room's smaller panes: hypotheses, containment checklist and the entry line."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ir_console.model import ContainmentAction, ContainmentState, Hypothesis, HypothesisResult
from ir_console.render.text import one_line

RESULT_BADGES = {
    HypothesisResult.OPEN: ("OPEN", "bold"),
    HypothesisResult.CONFIRMED: ("CONFIRMED", "bold green"),
    HypothesisResult.REJECTED: ("REJECTED", "dim strike"),
}
STATE_MARKS = {
    ContainmentState.PENDING: ("[ ]", ""),
    ContainmentState.IN_PROGRESS: ("[~]", "bold yellow"),
    ContainmentState.DONE: ("[x]", "bold green"),
    ContainmentState.NOT_APPLICABLE: ("[-]", "dim"),
}


def keep_highlight(options: OptionList, build) -> None:  # noqa: ANN001
    """Replace an OptionList's options without losing the user's place."""
    highlighted = options.highlighted
    options.clear_options()
    options.add_options(build())
    if options.option_count:
        options.highlighted = min(highlighted or 0, options.option_count - 1)


class HypothesisList(OptionList):
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
        keep_highlight(self, lambda: [Option(self._line(h), id=str(h.id)) for h in hypotheses])

    @staticmethod
    def _line(hypothesis: Hypothesis) -> Text:
        badge, style = RESULT_BADGES[hypothesis.result]
        line = Text(f"{hypothesis.rank}. ", style="bold")
        line.append(f"{hypothesis.label:<3} ", style="bold")
        line.append(f"{badge:<9} ", style=style)
        line.append(one_line(hypothesis.statement), style="strike" if hypothesis.result is HypothesisResult.REJECTED else "")
        return line

    def action_move(self, offset: int) -> None:
        if self.highlighted is not None:
            option = self.get_option_at_index(self.highlighted)
            self.post_message(self.Move(int(option.id), offset))


class ContainmentList(OptionList):
    """The containment checklist. `space` moves an item to its next state; `+` adds one."""

    BINDINGS = [
        Binding("space", "advance", "Next state", id="advance"),
        Binding("plus", "add", "Add action", id="add-containment"),
    ]

    class Advance(Message):
        def __init__(self, action_id: int) -> None:
            super().__init__()
            self.action_id = action_id

    class Add(Message):
        pass

    shown: list[ContainmentAction] | None = None

    def show(self, actions: list[ContainmentAction]) -> None:
        if actions == self.shown:
            return
        self.shown = actions
        keep_highlight(self, lambda: [Option(self._line(a), id=str(a.id)) for a in actions])

    @staticmethod
    def _line(action: ContainmentAction) -> Text:
        mark, style = STATE_MARKS[action.state]
        line = Text(f"{mark} ", style=style)
        line.append(one_line(action.action), style="bold" if action.state is ContainmentState.IN_PROGRESS else "")
        if action.state is not ContainmentState.PENDING:
            who = f" by {one_line(action.changed_by, 16)}" if action.changed_by else ""
            when = f" {action.changed_at.astimezone():%H:%M}" if action.changed_at else ""
            line.append(f"  {action.state.label}{who}{when}", style="dim")
        if action.when_to_use:
            line.append(f"\n    {one_line(action.when_to_use)}", style="italic dim")
        return line

    def action_advance(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Advance(int(self.get_option_at_index(self.highlighted).id)))

    def action_add(self) -> None:
        self.post_message(self.Add())


ENTRY_PLACEHOLDER = "Log what happened, Enter to add · /action /decision /alert /evidence · ! key moment · @14:32 or @-5m back-dates"


class EntryLine(Input):
    """The timeline entry line. Keeps its text until the store has it; Escape leaves it."""

    BINDINGS = [Binding("escape", "leave", "Leave entry", id="leave-entry")]

    DEFAULT_CSS = """
    EntryLine { border: none; height: 1; padding: 0 1; background: $panel; }
    EntryLine:focus { border: none; background: $primary 25%; }
    """

    class MultilinePaste(Message):
        """Text of several lines was pasted: an Input would keep only the first."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def action_leave(self) -> None:
        self.screen.query_one("#timeline").focus()

    def on_paste(self, event: events.Paste) -> None:
        text = event.text.strip("\n")
        if "\n" in text:
            event.prevent_default()  # not Input's paste, which drops every line but the first
            event.stop()
            self.post_message(self.MultilinePaste(text))
