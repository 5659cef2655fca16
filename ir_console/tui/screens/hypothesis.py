"""A hypothesis in the seed's debugging-log form: statement, evidence for and against, test, result."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Label, RadioButton, RadioSet, TextArea

from ir_console.model import Hypothesis, HypothesisResult
from ir_console.render.text import display_text
from ir_console.tui.screens.forms import Modal

FIELDS = (
    ("statement", "Hypothesis: the most likely cause"),
    ("evidence_for", "Evidence for: what supports this"),
    ("evidence_against", "Evidence against: what contradicts this"),
    ("test", "Test: how to verify"),
)


class HypothesisScreen(Modal):
    DEFAULT_CSS = """
    HypothesisScreen TextArea { height: 4; }
    HypothesisScreen RadioSet { layout: horizontal; }
    """

    def __init__(self, hypothesis: Hypothesis | None) -> None:
        super().__init__()
        self.hypothesis = hypothesis

    def compose(self) -> ComposeResult:
        current = self.hypothesis
        title = f"Hypothesis {current.rank}" if current else "New hypothesis"
        with VerticalScroll(classes="dialog"):
            yield Label(title, classes="dialog-title")
            for name, label in FIELDS:
                yield Label(label, classes="field-label")
                yield TextArea(display_text(getattr(current, name)) if current else "", id=name, soft_wrap=True)
            yield Label("Result", classes="field-label")
            with RadioSet(id="result"):
                for result in HypothesisResult:
                    chosen = (current.result if current else HypothesisResult.OPEN) is result
                    yield RadioButton(result.value, value=chosen, id=result.value)
            yield Label("", id="form-error", classes="error", markup=False)  # quotes user input
            yield from self.buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#statement", TextArea).focus()

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
        self.dismiss({"id": current.id if current else None, "result": result, **values})
