"""Declaring an incident (`n`): the seed's triage record, beside similar past incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.containers import Container, Vertical, VerticalScroll
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, OptionList

from ir_console.model import Milestone, Severity, Triage
from ir_console.model.clock import to_iso
from ir_console.model.incident import milestone_order_problem
from ir_console.model.when import not_in_future, parse_when
from ir_console.tui.dialogs.base import AFFECTED_SUGGESTIONS, TIME_HINT, FormError, SimilarModal
from ir_console.tui.dialogs.severity import chosen_severity, severity_list


@dataclass
class NewIncident:
    title: str
    severity: Severity
    triage: Triage
    detected_at: datetime
    # The first symptom, when someone knows it: without it time-to-detect stays blank.
    impact_started_at: datetime | None = None


class NewIncidentScreen(SimilarModal[NewIncident]):
    """The seed's triage record: the first five minutes, beside similar past incidents."""

    SIMILARITY_FIELDS = ("title", "happening", "affected", "changed")

    def __init__(self, now: datetime) -> None:
        super().__init__()
        self.now = now

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Declare an incident — triage", classes="dialog-title")
            with Container(classes="dialog-body"):
                with Vertical(classes="fields"):
                    yield from self.fields()
                yield self.similar_pane()
            yield from self.buttons("Declare")

    def fields(self) -> ComposeResult:
        yield Label("Title", classes="field-label")
        yield Input(placeholder="Checkout returns 500s", id="title")
        yield Label("Severity (1–4 or ↑/↓)", classes="field-label")
        yield severity_list(Severity.SEV2)
        yield Label(f"Time detected ({TIME_HINT})", classes="field-label")
        yield Input(to_iso(self.now), id="detected")
        yield Label("Reporter: who noticed", classes="field-label")
        yield Input(id="reporter")
        yield Label("What's happening? One sentence of symptoms", classes="field-label")
        yield Input(id="happening")
        yield Label("Who's affected? All users / subset / internal only", classes="field-label")
        yield Input(id="affected", suggester=SuggestFromList(AFFECTED_SUGGESTIONS, case_sensitive=False))
        yield Label("What changed recently? Deployments, config changes, traffic spikes", classes="field-label")
        yield Input(id="changed")
        yield Label("Impact started: the first symptom, if known (gives the time to detect)", classes="field-label")
        yield Input(placeholder=f"optional: {TIME_HINT}", id="impact-started")
        yield FormError()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#title", Input))

    def value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def action_save(self) -> None:
        error = self.query_one("#form-error", Label)
        title = self.value("title").strip()
        if not title:
            error.update("The incident needs a title.")
            self.query_one("#title", Input).focus()
            return
        try:
            typed = self.value("detected")
            detected_at = not_in_future(parse_when(typed, self.now), self.now) if typed.strip() else self.now
        except ValueError as problem:
            error.update(f"Time detected: {problem}")
            self.query_one("#detected", Input).focus()
            return
        impact_started_at = None
        if self.value("impact-started").strip():
            try:
                impact_started_at = not_in_future(
                    parse_when(self.value("impact-started"), self.now), self.now, "impact started"
                )
            except ValueError as problem:
                error.update(f"Impact started: {problem}")
                self.query_one("#impact-started", Input).focus()
                return
            out_of_order = milestone_order_problem(
                {Milestone.IMPACT_STARTED: impact_started_at, Milestone.DETECTED: detected_at},
                [Milestone.IMPACT_STARTED],
            )
            if out_of_order:
                error.update(f"Impact started: {out_of_order}")
                self.query_one("#impact-started", Input).focus()
                return
        triage = Triage(**{name: self.value(name) for name in ("reporter", "happening", "affected", "changed")})
        severity = chosen_severity(self.query_one("#severity-list", OptionList))
        self.dismiss(NewIncident(title, severity, triage, detected_at, impact_started_at))

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()
