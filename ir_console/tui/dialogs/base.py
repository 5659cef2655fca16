"""Modal forms: declare an incident, change severity or status, assign roles, add containment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import events, getters, on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, OptionList, RadioButton, RadioSet, Select, TextArea

from ir_console.model import SEVERITY_TABLE, Milestone, Role, Severity, Status, Triage
from ir_console.model.archive import SimilarIncident
from ir_console.model.clock import to_iso
from ir_console.model.incident import MILESTONE_FOR_STATUS, milestone_order_problem
from ir_console.model.when import format_when, needs_confirmation, not_in_future, parse_when
from ir_console.render.text import one_line
from ir_console.tui.drafts import DraftKey, Drafts, Fields
from ir_console.tui.widgets.panes import MarkedList
from ir_console.tui.widgets.similar import MATCHES_SHOWN, SimilarIncidents

if TYPE_CHECKING:
    from ir_console.tui.app import IrConsoleApp

AFFECTED_SUGGESTIONS = ["All users", "A subset of users", "Internal only"]
# What a time field takes, in short (the whole syntax: model.when.SYNTAX, README "Times").
TIME_HINT = "now, -5m, 14:32 local, 14:32Z, 2026-11-29 23:58, ISO 8601"
# From this width the similar incidents sit beside the fields; below it, under them.
WIDE_WIDTH = 120


class Modal(ModalScreen):
    """A dialog: Escape cancels, ctrl+s saves. What was typed is kept when it is closed unsaved,
    and comes back when the same dialog opens again (see tui/drafts.py)."""

    # False: nothing worth keeping is typed here (a confirmation), or it comes from elsewhere (a paste).
    KEEPS_DRAFT: ClassVar[bool] = True
    # The fields as the dialog opened (None until then, and once its text is saved for good).
    _opened_with: Fields | None = None

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="cancel"),
        Binding("ctrl+s", "save", "Save", id="save"),
    ]
    DEFAULT_CSS = """
    Modal { align: center middle; }
    Modal > .dialog {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    Modal .dialog-title { text-style: bold; width: 100%; margin-bottom: 1; }
    Modal .field-label { color: $text-muted; }
    Modal TextArea { height: 6; }
    Modal .buttons { dock: bottom; height: auto; align-horizontal: right; background: $surface; }
    Modal .buttons Button { margin-left: 1; }
    Modal .error { color: $error; }
    """

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
        key = self._draft_key()
        if key is None or self._opened_with is None:
            return
        values = self.field_values()
        texts = {name: value for name, value in values.items() if isinstance(value, str)}
        typed = any(value != self._opened_with.get(name) for name, value in texts.items())
        if typed and any(value.strip() for value in texts.values()):
            self._drafts().keep(key, values)
            self.notify("What you typed is kept: open this again to go on.", title="Draft kept", markup=False)
        else:
            self._drafts().discard(key)

    def forget_draft(self) -> None:
        """What was typed is saved for good: nothing to keep."""
        key = self._draft_key()
        if key is not None:
            self._drafts().discard(key)
        self._opened_with = None

    def dismiss(self, result: Any = None) -> AwaitComplete:
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


class SimilarModal(Modal):
    """A dialog whose text is looked up in past incidents as it is typed: the fields, and the
    similar incidents beside them on a wide terminal, under them on a narrow one.

    Subclasses compose `.dialog-body` > `.fields` + `similar_pane()` and name the fields whose
    text is looked up in SIMILARITY_FIELDS (Inputs or TextAreas, by id).
    """

    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    DEFAULT_CSS = """
    SimilarModal .dialog-body { height: auto; layout: vertical; }
    SimilarModal .fields { height: auto; }
    SimilarModal #similar { margin-top: 1; }
    SimilarModal.-wide > .dialog { width: 180; }
    SimilarModal.-wide .dialog-body { layout: horizontal; }
    SimilarModal.-wide .fields { width: 3fr; max-width: 86; }
    SimilarModal.-wide #similar { width: 2fr; margin: 0 0 0 2; }
    """
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


def severity_line(severity: Severity) -> Text:
    info = SEVERITY_TABLE[severity]
    text = Text.assemble((f"{severity.label} ", "bold"), (f"{info.response_time:<18}", "italic"), info.impact)
    text.append(f"\n        e.g. {info.examples}", style="dim")
    return text


def severity_list(selected: Severity) -> MarkedList:
    """The four severities, the chosen one marked `▶` (not by colour alone)."""
    options = MarkedList(id="severity-list")
    options.set_lines([(str(s.value), severity_line(s)) for s in Severity])
    options.highlighted = int(selected) - 1
    return options


def chosen_severity(options: OptionList) -> Severity:
    return Severity(int(options.highlighted or 0) + 1)


def shown_time(moment: datetime | None, now: datetime) -> str:
    """A time as it is typed back: the local time of day when it is today, else the full local
    date and time (`2026-11-29 23:58:00`), so it never lands on another day unseen."""
    if moment is None:
        return ""
    local, today = moment.astimezone(), now.astimezone().date()
    return f"{local:%H:%M:%S}" if local.date() == today else f"{local:%Y-%m-%d %H:%M:%S}"


@dataclass
class NewIncident:
    title: str
    severity: Severity
    triage: Triage
    detected_at: datetime
    # The first symptom, when someone knows it: without it time-to-detect stays blank.
    impact_started_at: datetime | None = None


class NewIncidentScreen(SimilarModal):
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
        yield Label("Severity (↑/↓)", classes="field-label")
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
        yield Label("", id="form-error", classes="error", markup=False)  # quotes user input

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

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


@dataclass
class SeverityChoice:
    severity: Severity
    reason: str = ""  # why, recorded in the change: "Severity SEV-2 → SEV-1: checkout fully down"


class SeverityScreen(Modal):
    """The severity table to choose from, and an optional reason. Enter (in the list or the
    reason) sets it."""

    def __init__(self, current: Severity) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Severity — now {self.current.label}. Enter chooses.", classes="dialog-title")
            yield severity_list(self.current)
            yield Label("Reason (optional; goes on the timeline with the change)", classes="field-label")
            yield Input(placeholder="Checkout fully down", id="reason")
            yield from self.buttons("Set")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    @on(Input.Submitted, "#reason")
    def action_save(self) -> None:
        self.dismiss(
            SeverityChoice(chosen_severity(self.query_one(OptionList)), self.query_one("#reason", Input).value.strip())
        )


@dataclass(frozen=True)
class StatusChoice:
    """The status chosen, and the time its milestone is stamped at when someone typed one
    (None: now, or where the milestone already is)."""

    status: Status
    at: datetime | None = None


class StatusScreen(Modal):
    """The status list, and beside it the time the chosen status stamps its milestone at
    (Identified, Monitoring → mitigated, Resolved): now, or the milestone as already set; editable."""

    if TYPE_CHECKING:  # the App's services, typed; nothing changes at run time
        app = getters.app(IrConsoleApp)

    DEFAULT_CSS = """
    StatusScreen #stamp-row { height: auto; }
    StatusScreen #stamp { width: 28; }
    StatusScreen #stamp-reads { width: 1fr; margin: 1 0 0 2; color: $text-muted; }
    """

    def __init__(
        self, current: Status, milestones: dict[Milestone, datetime] | None = None, now: datetime | None = None
    ) -> None:
        super().__init__()
        self.current = current
        self.milestones = milestones or {}
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Status — now {self.current.value}. Enter chooses.", classes="dialog-title")
            options = MarkedList()  # the chosen status marked `▶`, not by colour alone
            options.set_lines([(s.name, Text(s.value)) for s in Status])
            options.highlighted = list(Status).index(self.current)
            yield options
            yield Label("", id="stamp-label", classes="field-label", markup=False)
            with Horizontal(id="stamp-row"):
                yield Input(id="stamp")
                yield Label("", id="stamp-reads", markup=False)
            yield Label("", id="form-error", classes="error", markup=False)  # quotes user input
            yield from self.buttons("Set")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.focus()
        self.show_stamp(self.chosen)
        # As the highlight moves, not when its message arrives: in a burst (`down down down tab
        # 14:52 ctrl+s`) the message came after the typed time and put the default back over it.
        self.watch(options, "highlighted", lambda: self.show_stamp(self.chosen), init=False)

    @property
    def chosen(self) -> Status:
        return list(Status)[self.query_one(OptionList).highlighted or 0]

    def default_stamp(self, status: Status) -> str:
        """What the time field holds until someone edits it: the milestone's time, or `now`."""
        milestone = MILESTONE_FOR_STATUS.get(status)
        if milestone is None:
            return ""
        return shown_time(self.milestones.get(milestone), self.clock_now) or "now"

    @property
    def clock_now(self) -> datetime:
        return self.now or self.app.clock()

    def show_stamp(self, status: Status) -> None:
        milestone = MILESTONE_FOR_STATUS.get(status)
        stamps = milestone is not None and status != self.current
        label = self.query_one("#stamp-label", Label)
        stamp = self.query_one("#stamp", Input)
        # Always laid out, disabled when nothing is stamped: a row shown only now would have no
        # place in the focus order yet, and a Tab typed right after the arrow keys would skip it.
        stamp.disabled = not stamps
        if milestone is None or not stamps:
            label.update(
                f"{status.value} stamps no milestone" if milestone is None else f"{status.value} is the status now"
            )
            stamp.value = ""
            self.query_one("#stamp-reads", Label).update("")
            return
        already = milestone in self.milestones
        label.update(
            f"{status.value} stamps {milestone.label.lower()} at"
            + (" (already set: kept unless you change it)" if already else "")
            + f" — {TIME_HINT}"
        )
        stamp.value = self.default_stamp(status)
        self.show_reading()

    @on(Input.Changed, "#stamp")
    def show_reading(self) -> None:
        try:
            reads = format_when(self.read_stamp(self.query_one("#stamp", Input).value))
        except ValueError as problem:
            reads = str(problem)
        self.query_one("#stamp-reads", Label).update(reads)

    def read_stamp(self, text: str) -> datetime:
        now = self.clock_now
        return not_in_future(parse_when(text, now), now, "the time")

    @on(Input.Submitted, "#stamp")
    @on(OptionList.OptionSelected)
    def action_save(self) -> None:
        status = self.chosen
        at = None
        text = self.query_one("#stamp", Input).value
        if MILESTONE_FOR_STATUS.get(status) and status != self.current and text.strip() != self.default_stamp(status):
            try:
                at = self.read_stamp(text)
            except ValueError as problem:
                self.query_one("#form-error", Label).update(f"Time: {problem}")
                self.query_one("#stamp", Input).focus()
                return
        self.dismiss(StatusChoice(status, at))


@dataclass(frozen=True)
class RoleChanges:
    """The roles whose holder changed, and who holds them now ("" clears one)."""

    names: dict[Role, str]


@dataclass(frozen=True)
class NewContainmentAction:
    action: str
    when_to_use: str = ""


class RolesScreen(Modal):
    """The four roles, each name as it is shown (display_text: a stored or imported name never
    reaches the terminal as a control sequence). A field left as shown keeps the recorded name."""

    def __init__(self, roles: dict[Role, str]) -> None:
        super().__init__()
        self.roles = roles

    def shown(self, role: Role) -> str:
        return one_line(self.roles.get(role, ""))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Roles", classes="dialog-title")
            for role in Role:
                yield Label(role.label, classes="field-label")
                yield Input(self.shown(role), id=role.value)
            yield from self.buttons("Assign")

    def on_mount(self) -> None:
        self.query_one(f"#{Role.COMMANDER.value}", Input).focus()

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        typed = {role: self.query_one(f"#{role.value}", Input).value for role in Role}
        chosen = {role: name.strip() for role, name in typed.items() if name != self.shown(role)}
        self.dismiss(RoleChanges({role: name for role, name in chosen.items() if name != self.roles.get(role, "")}))


class AddContainmentScreen(Modal):
    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add a containment action", classes="dialog-title")
            yield Label("Action", classes="field-label")
            yield Input(placeholder="Drain traffic from eu-west-1", id="action")
            yield Label("When to use", classes="field-label")
            yield Input(id="when")
            yield from self.buttons("Add")

    def on_mount(self) -> None:
        self.query_one("#action", Input).focus()

    @on(Input.Submitted)
    def next_field(self) -> None:
        self.focus_next()

    def action_save(self) -> None:
        action = self.query_one("#action", Input).value.strip()
        if action:
            self.dismiss(NewContainmentAction(action, self.query_one("#when", Input).value.strip()))
