"""Severity (`s`): the seed's severity table to choose from, and an optional reason for the change."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList

from ir_console.model import SEVERITY_TABLE, Severity
from ir_console.tui.dialogs.base import Modal
from ir_console.tui.widgets.marked_list import MarkedList


def severity_line(severity: Severity) -> Text:
    info = SEVERITY_TABLE[severity]
    text = Text.assemble((f"{severity.label} ", "bold"), (f"{info.response_time:<18}", "italic"), info.impact)
    text.append(f"\n        e.g. {info.examples}", style="dim")
    return text


class SeverityList(MarkedList):
    """The four severities; `1`–`4` highlight SEV-1–SEV-4 wherever the highlight is (the arrow keys
    move from the current one)."""

    BINDINGS = [
        Binding(str(severity.value), f"highlight_severity({severity.value})", severity.label, show=False)
        for severity in Severity
    ]

    def action_highlight_severity(self, number: int) -> None:
        self.highlighted = number - 1


def severity_list(selected: Severity) -> MarkedList:
    """The four severities, the chosen one marked `▶` (not by colour alone)."""
    options = SeverityList(id="severity-list")
    options.set_lines([(str(s.value), severity_line(s)) for s in Severity])
    options.highlighted = int(selected) - 1
    return options


def chosen_severity(options: OptionList) -> Severity:
    return Severity(int(options.highlighted or 0) + 1)


@dataclass
class SeverityChoice:
    severity: Severity
    reason: str = ""  # why, recorded in the change: "Severity SEV-2 → SEV-1: checkout fully down"


class SeverityScreen(Modal[SeverityChoice]):
    """The severity table to choose from, and an optional reason. Enter (in the list or the
    reason) sets it."""

    def __init__(self, current: Severity) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Severity — now {self.current.label}. 1–4 or ↑↓, Enter chooses.", classes="dialog-title")
            yield severity_list(self.current)
            yield Label("Reason (optional; goes on the timeline with the change)", classes="field-label")
            yield Input(placeholder="Checkout fully down", id="reason")
            yield from self.buttons("Set")

    def on_mount(self) -> None:
        self.set_focus(self.query_one(OptionList))

    @on(OptionList.OptionSelected)
    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        self.dismiss(
            SeverityChoice(chosen_severity(self.query_one(OptionList)), self.query_one("#reason", Input).value.strip())
        )
