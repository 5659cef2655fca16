"""What every dialog shares: `Modal` (Escape cancels, ctrl+s saves, drafts kept), `SimilarModal`
(similar past incidents beside the fields), the back-dated time rule and the time hint."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from textual import events, getters, on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.visual import VisualType
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Select, TextArea

from ir_console.model.archive import SimilarIncident
from ir_console.model.when import format_when, needs_confirmation, not_in_future, parse_when
from ir_console.tui.drafts import KEEP_AS_TYPED_DELAY, DraftKey, Drafts, Fields
from ir_console.tui.styled import StyledAsMounted
from ir_console.tui.widgets.similar import MATCHES_SHOWN, SimilarIncidents

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp

AFFECTED_SUGGESTIONS = ["All users", "A subset of users", "Internal only"]
# What a time field takes, in short (the whole syntax: model.when.SYNTAX, README "Times").
TIME_HINT = "now, -5m, 14:32 local, 14:32Z, 2026-11-29 23:58, ISO 8601"
# From this width the similar incidents sit beside the fields; below it, under them.
WIDE_WIDTH = 120
# What a dialog is dismissed with: a small dataclass declared beside it (None: cancelled).
ResultT = TypeVar("ResultT")


class FormError(Label):
    """A dialog's error line (`#form-error`). It quotes what was typed (so no markup), and each
    message is scrolled into view: on a short terminal the fields scroll, and the line, last
    before the buttons, would otherwise stay out of sight while the dialog refuses to save."""

    def __init__(self) -> None:
        super().__init__("", id="form-error", classes="error", markup=False)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(content, layout=layout)
        self.set_class(bool(content), "-said")  # as wide as the dialog (and wrapped) only when it says something
        if content:
            self.call_after_refresh(self.scroll_visible, animate=False)


class Modal(StyledAsMounted, ModalScreen[ResultT]):
    """A dialog: Escape cancels, ctrl+s saves. What was typed is kept when it is closed unsaved,
    and comes back when the same dialog opens again (see tui/drafts.py)."""

    # False: nothing worth keeping is typed here (a confirmation), or it comes from elsewhere (a paste).
    KEEPS_DRAFT: ClassVar[bool] = True
    # The fields as the dialog opened (None until then, and once its text is saved for good).
    _opened_with: Fields | None = None
    # Keeping what is typed while the dialog is open (`_typed`), and whether it has been closed.
    _keeping: Timer | None = None
    _as_typed: Fields | None = None
    _dismissed = False

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+s", "save", "Save", id="save"),
    ]

    def action_cancel(self) -> None:
        self.keep_draft()
        self.dismiss(None)

    def action_save(self) -> None:
        pass

    # A back-dated time shown in full and waiting for the second ctrl+s (`typed_time`).
    _confirmed_time: datetime | None = None

    def typed_time(self, now: datetime, began: datetime | None, what: str = "the time") -> tuple[bool, datetime | None]:
        """The `#at` field's time: (True, None) when empty (now), (True, the time) when it can be
        saved, (False, None) when it is refused or is shown in full first in `#form-error` (before
        the incident began or more than 12 hours ago): the second ctrl+s saves it."""
        error = self.query_one("#form-error", Label)
        text = self.query_one("#at", Input).value.strip()
        if not text:
            return True, None
        try:
            at = not_in_future(parse_when(text, now), now, what)
        except ValueError as problem:
            error.update(f"When: {problem}")
            self.query_one("#at", Input).focus()
            return False, None
        if needs_confirmation(at, now, began) and at != self._confirmed_time:
            self._confirmed_time = at
            where = "before the incident began" if began and at < began else "more than 12 hours ago"
            error.update(f"{format_when(at)} is {where}: ctrl+s again to save it.")
            return False, None
        return True, at

    # -- drafts ---------------------------------------------------------------------------------

    def draft_subject(self) -> Any:
        """What the dialog edits (an event, a hypothesis, an action), when not the incident itself."""
        return None

    def _draft_key(self) -> DraftKey | None:
        return self._drafts().key(type(self).__name__, self.draft_subject()) if self.KEEPS_DRAFT else None

    def _drafts(self) -> Drafts:
        return cast("IrConsoleApp", self.app).drafts

    def field_values(self) -> Fields:
        """Every named field's value, as it is now."""
        values: Fields = {}
        for widget in self.query("Input, TextArea, Checkbox, RadioSet, Select"):
            if widget.id is None:
                continue
            if isinstance(widget, TextArea):
                values[widget.id] = widget.text
            elif isinstance(widget, RadioSet):
                values[widget.id] = widget.pressed_index
            elif isinstance(widget, Input | Checkbox | Select):
                values[widget.id] = widget.value
        return values

    def set_field_values(self, values: Fields) -> None:
        for widget in self.query("Input, TextArea, Checkbox, RadioSet, Select"):
            if widget.id not in values:
                continue
            value = values[widget.id]
            if isinstance(widget, TextArea):
                widget.text = value
                widget.move_cursor(widget.document.end)  # typing goes on where it stopped
            elif isinstance(widget, RadioSet):
                buttons = list(widget.query(RadioButton))
                if 0 <= value < len(buttons):
                    buttons[value].value = True
            elif isinstance(widget, Input):
                widget.value = value
                widget.cursor_position = len(value)
            elif isinstance(widget, Checkbox | Select):
                widget.value = value

    @on(events.Mount)
    def _open_with_draft(self) -> None:
        self.call_after_refresh(self._restore_draft)

    def _restore_draft(self) -> None:
        self._opened_with = self.field_values()
        key = self._draft_key()
        draft = self._drafts().get(key) if key else None
        if draft and draft != self._opened_with:
            self.set_field_values(draft)
            self.notify(
                "What you typed here before is back, not yet saved. To start afresh, clear it and press Escape.",
                title="Draft restored",
                markup=False,
            )

    def keep_draft(self) -> None:
        """Closing unsaved: keep what was typed, or forget the draft when no text was changed (or
        every text field was cleared)."""
        if self._keep_as_typed():
            self.notify("What you typed is kept: open this again to go on.", title="Draft kept", markup=False)

    def _keep_as_typed(self, values: Fields | None = None) -> bool:
        """Keep the fields as they are (or `values`) if something was typed (True), else forget the draft."""
        key = self._draft_key()
        if key is None or self._opened_with is None:
            return False
        values = self.field_values() if values is None else values
        texts = {name: value for name, value in values.items() if isinstance(value, str)}
        typed = any(value != self._opened_with.get(name) for name, value in texts.items())
        if typed and any(value.strip() for value in texts.values()):
            self._drafts().keep(key, values)
            return True
        self._drafts().discard(key)
        return False

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    @on(RadioSet.Changed)
    @on(Select.Changed)
    def _typed(self) -> None:
        """Kept as it is typed, a moment after the last key: a console that dies with the dialog
        open loses nothing either (the drafts are in a file: tui/drafts.py)."""
        if self._opened_with is None or self._dismissed:
            return  # opening (the fields being filled in), or closed
        if self._keeping is not None:
            self._keeping.stop()
        self._as_typed = self.field_values()
        self._keeping = self.set_timer(KEEP_AS_TYPED_DELAY, self._keep_as_typed)

    @on(events.Unmount)
    def _keep_on_the_way_out(self) -> None:
        # The console leaving with the dialog still open (ctrl+q, a signal): what is typed stays.
        # The fields are gone by now: what they held at the last key is kept.
        if not self._dismissed and self._keeping is not None and self._as_typed is not None:
            self._keep_as_typed(self._as_typed)

    def forget_draft(self) -> None:
        """What was typed is saved for good: nothing to keep."""
        key = self._draft_key()
        if key is not None:
            self._drafts().discard(key)
        self._opened_with = None

    def dismiss(self, result: ResultT | None = None) -> AwaitComplete:
        self._dismissed = True  # what it leaves behind is decided here, not by a late timer
        if self._keeping is not None:
            self._keeping.stop()
        key = self._draft_key()
        if result is not None and key is not None and self._opened_with is not None:
            self._drafts().hold_until_written(key, self.field_values())
        return super().dismiss(result)

    @on(Button.Pressed, "#cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    def buttons(self, save_label: str) -> ComposeResult:
        with Horizontal(classes="buttons"):
            yield Button("Cancel (Esc)", id="cancel")
            yield Button(f"{save_label} (ctrl+s)", id="save", variant="primary")


class SimilarModal(Modal[ResultT]):
    """A dialog whose text is looked up in past incidents as it is typed: the fields, and the
    similar incidents beside them on a wide terminal, under them on a narrow one.

    Subclasses compose `.dialog-body` > `.fields` + `similar_pane()` and name the fields whose
    text is looked up in SIMILARITY_FIELDS (Inputs or TextAreas, by id).
    """

    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    SIMILARITY_FIELDS: tuple[str, ...] = ()

    @property
    def exclude_incident_id(self) -> int | None:
        """The incident being worked, left out of its own similar incidents (a subclass's)."""
        return None

    def similar_pane(self) -> SimilarIncidents:
        return SimilarIncidents(self.find_similar, id="similar")

    def find_similar(self, text: str) -> list[SimilarIncident]:
        # The reader is used on the event loop: at 1,000 incidents a lookup takes ~7 ms.
        return self.app.reader.similar_incidents(
            text, exclude_incident_id=self.exclude_incident_id, limit=MATCHES_SHOWN
        )

    def similarity_text(self) -> str:
        return "\n".join(self.field_text(name) for name in self.SIMILARITY_FIELDS)

    def field_text(self, name: str) -> str:
        field = self.query_one(f"#{name}")
        return field.text if isinstance(field, TextArea) else self.query_one(f"#{name}", Input).value

    @on(events.Mount)
    def look_for_similar_on_open(self) -> None:
        self.query_one(SimilarIncidents).look_for(self.similarity_text())

    def on_resize(self) -> None:
        self.set_class(self.size.width >= WIDE_WIDTH, "-wide")

    @on(Input.Changed)
    @on(TextArea.Changed)
    def look_for_similar(self, changed: Input.Changed | TextArea.Changed) -> None:
        if changed.control.id in self.SIMILARITY_FIELDS:
            self.query_one(SimilarIncidents).look_for(self.similarity_text())


def shown_time(moment: datetime | None, now: datetime) -> str:
    """A time as it is typed back: the local time of day when it is today, else the full local
    date and time (`2026-11-29 23:58:00`), so it never lands on another day unseen."""
    if moment is None:
        return ""
    local, today = moment.astimezone(), now.astimezone().date()
    return f"{local:%H:%M:%S}" if local.date() == today else f"{local:%Y-%m-%d %H:%M:%S}"
