"""A hypothesis in the seed's debugging-log form: statement, evidence for and against, test, result;
beside it, past incidents whose text matches it and what their root cause turned out to be."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from textual.app import ComposeResult
from textual.containers import Container, Vertical, VerticalScroll
from textual.widgets import Input, Label, RadioSet, TextArea

from ir_console.model import Hypothesis, HypothesisResult
from ir_console.render.text import display_text
from ir_console.store import StoreError
from ir_console.tui.dialogs.base import FormError, SimilarModal
from ir_console.tui.widgets.choices import Choice

FIELDS = (
    ("statement", "Hypothesis: the most likely cause"),
    ("evidence_for", "Evidence for: what supports this"),
    ("evidence_against", "Evidence against: what contradicts this"),
    ("test", "Test: how to verify"),
)


@dataclass(frozen=True)
class HypothesisEdit:
    """A new hypothesis (`hypothesis_id` None) or the fields changed in one, and its result."""

    hypothesis_id: int | None
    result: HypothesisResult
    at: datetime | None = None  # when it was formed or settled (back-filled), else now
    # What was typed, by field (statement, evidence_for, evidence_against, test): every field for
    # a new hypothesis, only those changed in an existing one.
    fields: dict[str, Any] = field(default_factory=dict)


class HypothesisScreen(SimilarModal[HypothesisEdit]):
    SIMILARITY_FIELDS = ("statement", "evidence_for", "evidence_against")

    def __init__(self, hypothesis: Hypothesis | None, incident_id: int | None = None) -> None:
        """`incident_id`: the incident worked on, left out of the similar incidents; by default
        the hypothesis's (the war room hands it in for a new one)."""
        super().__init__()
        self.hypothesis = hypothesis
        if incident_id is None and hypothesis is not None:
            incident_id = hypothesis.incident_id
        self.incident_id = incident_id

    def draft_subject(self) -> int | None:
        return self.hypothesis.id if self.hypothesis else None

    @property
    def exclude_incident_id(self) -> int | None:
        return self.incident_id

    def compose(self) -> ComposeResult:
        current = self.hypothesis
        title = f"Hypothesis {current.label} (rank {current.rank})" if current else "New hypothesis"
        with VerticalScroll(classes="dialog"):
            yield Label(title, classes="dialog-title")
            with Container(classes="dialog-body"):
                with Vertical(classes="fields"):
                    yield from self.fields()
                yield self.similar_pane()
            yield from self.buttons("Save")

    def fields(self) -> ComposeResult:
        current = self.hypothesis
        for name, label in FIELDS:
            yield Label(label, classes="field-label")
            yield TextArea(display_text(getattr(current, name)) if current else "", id=name, soft_wrap=True)
        yield Label("Result", classes="field-label")
        with RadioSet(id="result"):
            for result in HypothesisResult:
                chosen = (current.result if current else HypothesisResult.OPEN) is result
                yield Choice(result.value, value=chosen, id=result.value)
        yield Label(
            "When it was formed or settled: empty for now, or -5m, 14:32, 2026-11-29 23:58", classes="field-label"
        )
        yield Input(id="at", placeholder="now")
        yield FormError()

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#statement", TextArea))

    def action_save(self) -> None:
        values = {name: self.query_one(f"#{name}", TextArea).text for name, _ in FIELDS}
        if not values["statement"].strip():
            self.query_one("#form-error", Label).update("A hypothesis needs a statement.")
            return
        current = self.hypothesis
        if current:
            values = {k: v for k, v in values.items() if v != display_text(getattr(current, k))}
        pressed = self.query_one("#result", RadioSet).pressed_button
        result = HypothesisResult(pressed.id) if pressed else HypothesisResult.OPEN
        ready, at = self.typed_time(self.app.clock(), self.began())
        if ready:
            self.dismiss(HypothesisEdit(current.id if current else None, result, at=at, fields=values))

    def began(self) -> datetime | None:
        if self.incident_id is None:
            return None
        try:
            return self.app.reader.incident(self.incident_id).started_at
        except StoreError:
            return None
