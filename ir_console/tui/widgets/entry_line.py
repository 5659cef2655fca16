"""The timeline entry line: a line typed, Enter hands it to the war room at once, whatever a save is doing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

ENTRY_PLACEHOLDER = (
    "Log what happened, Enter to add · /action /decision /alert /evidence · ! key moment · @14:32 or @-5m back-dates"
)
# The longest line the entry line takes. Input redraws its whole value on every key, so a line of
# 200 KB cost most of a second a key; up to this length it stays instant. A paste that does not
# fit (or has several lines) opens the editor instead, where any length is fine.
ENTRY_MAX_LENGTH = 2_000
# What can follow the Log key's `t` only when the `t` was meant as the key: no entry begins "t@",
# "t/" or "t!", but a commander used to pressing `t` first does type them into a line that
# already had the focus (after declaring an incident, say).
ENTRY_PREFIXES = ("@", "/", "!")

# What the screen does with a line taken by Enter: `take(line, entered_at)` is True when the line
# is on its way to the store (the entry line then empties), False when it was refused (the screen
# said why; the line stays as typed). `entered_at` is None for a fresh line (the screen reads its
# clock), or the moment a line given back after a failed save was first entered.
TakeLine = Callable[[str, "datetime | None"], bool]


class EntryLine(Input):
    """The timeline entry line: Enter takes the line, whatever a save is doing.

    Enter is handled where the key arrives, in the order keys were typed (not after bubbling up to
    the app as Input's binding is): the line is handed to the screen and emptied at once, so the
    next keys start the next entry. An entry whose save failed comes back: into the line if it is
    empty, else into a list shown above the line ("not saved"), from which Enter on the empty line
    brings back the next one. Escape leaves the line.

    A back-dated time that lands on another day than the commander may think (before the
    incident began, or more than 12 hours ago) is shown in full above the line and waits for a
    second Enter: `ask_to_confirm`. Escape, or any edit, returns to editing with the text kept.
    """

    BINDINGS = [Binding("escape", "leave", "Leave entry", id="leave-entry")]

    DEFAULT_CSS = """
    EntryLine { border: none; height: 1; padding: 0 1; background: $panel; }
    EntryLine:focus { border: none; background: $primary 25%; }
    EntryLine.-confirm, EntryLine.-confirm:focus {
        height: 2; border: none; border-top: solid $warning; border-title-color: $warning;
        border-title-style: bold;
    }
    """

    class LongPaste(Message):
        """Pasted text the line cannot hold (several lines, or more than fits): for the editor."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    # The line waiting for its second Enter, and the moment shown for it.
    pending: tuple[str, datetime] | None = None

    def __init__(self, take: TakeLine, **options: Any) -> None:
        super().__init__(max_length=ENTRY_MAX_LENGTH, **options)
        self.take = take
        # Entries on their way to the store (taken, not yet saved or failed).
        self.saving = 0
        # Entries whose save failed, with the moment each was entered, oldest first.
        self.unsaved: list[tuple[str, datetime]] = []
        # The line given back after a failed save, and the moment it was first entered.
        self._given_back: tuple[str, datetime] | None = None
        self._said_full = False
        self._question = ""

    # -- Enter ----------------------------------------------------------------------------------

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Enter is this line's own (it takes the line), not the Input's binding."""
        return key == "enter" or super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()  # not Input's `submit` binding: that runs only once the key reached the app
            event.prevent_default()
            self.take_line()
            return
        if event.character in ENTRY_PREFIXES and self.value == "t" and self.cursor_position == 1:
            self._take_t_as_log_key(event.character)
        await super()._on_key(event)

    def _take_t_as_log_key(self, prefix: str) -> None:
        """`t` then `@`, `/` or `!` on an empty line: the `t` was the Log key, pressed out of habit
        while the line already had the focus. It goes, so the prefix is read as one."""
        self.value = ""
        self.cursor_position = 0
        self.notify(
            f"The entry line already had the focus: “t” was taken as the Log key, so “{prefix}…” is read as a prefix.",
            title="“t” is the Log key",
            markup=False,
        )

    def take_line(self) -> None:
        line = self.value
        if not line.strip():
            if self.unsaved and not line:
                self._give_back(*self.unsaved.pop(0))
            return
        entered_at = self._given_back[1] if self._given_back and self._given_back[0] == line else None
        if self.take(line, entered_at):
            self._given_back = None
            self.saving += 1
            self.value = ""

    def saved(self) -> None:
        self.saving -= 1

    def not_saved(self, line: str, entered_at: datetime) -> bool:
        """A save failed: the line comes back, never merged with what is being typed. True if it
        is back in the line, False if it waits in the list above it."""
        self.saving -= 1
        if self.value or self.pending is not None:
            self.unsaved.append((line, entered_at))
            self._show_title()
            return False
        self._give_back(line, entered_at)
        return True

    def give_back(self, line: str, entered_at: datetime) -> None:
        """Put `line` back in the line; Enter logs it with `entered_at` unless it is edited."""
        self._give_back(line, entered_at)

    def _give_back(self, line: str, entered_at: datetime) -> None:
        self._given_back = (line, entered_at)
        self.value = line
        self.cursor_position = len(line)
        self._show_title()

    # -- the back-dating question, and what was not saved ---------------------------------------

    def ask_to_confirm(self, line: str, moment: datetime, question: str) -> None:
        self.pending = (line, moment)
        self._question = question
        self._show_title()

    def confirmed_moment(self, line: str) -> datetime | None:
        """The moment shown for `line` if it is the line waiting for confirmation (then it is
        taken: the next Enter asks again)."""
        if self.pending is not None and self.pending[0] == line:
            moment = self.pending[1]
            self.end_confirmation()
            return moment
        return None

    def end_confirmation(self) -> None:
        if self.pending is not None:
            self.pending = None
            self._show_title()

    @property
    def confirming(self) -> bool:
        return self.pending is not None

    def _show_title(self) -> None:
        """Above the line: the back-dating question, else the entries not saved, else nothing."""
        if self.pending is not None:
            title = self._question
        elif self.unsaved:
            count = len(self.unsaved)
            title = (
                f"{count} {'entry' if count == 1 else 'entries'} not saved: "
                "Enter on the empty line brings back the next"
            )
        else:
            title = ""
        self.border_title = Text(title) if title else None  # a Text: shown as written, not as markup
        self.set_class(bool(title), "-confirm")

    def on_input_changed(self, changed: Input.Changed) -> None:
        # The line as it is now, not as the message saw it: in a burst, the changes made while the
        # line was typed arrive after its Enter asked the question, and must not cancel it.
        if self.pending is not None and self.value != self.pending[0]:
            self.end_confirmation()  # edited: the question was about another line
        if len(changed.value) < ENTRY_MAX_LENGTH:
            self._said_full = False

    def action_leave(self) -> None:
        if self.pending is not None:
            self.end_confirmation()  # back to editing the line, text kept
            return
        self.screen.query_one("#timeline").focus()

    # -- length ---------------------------------------------------------------------------------

    def restricted(self) -> None:
        """A key that would take the line past its cap: refused, said once, the line kept."""
        self.app.bell()
        if not self._said_full:
            self._said_full = True
            self.notify(
                f"The entry line takes up to {ENTRY_MAX_LENGTH:,} characters. Log this part with "
                "Enter; paste longer text to open the editor.",
                title="Line full",
                severity="warning",
            )

    def on_paste(self, event: events.Paste) -> None:
        text = event.text.strip("\n")
        if "\n" in text or len(self.value) + len(text) > ENTRY_MAX_LENGTH:
            event.prevent_default()  # not Input's paste, which keeps only the first line, or only what fits
            event.stop()
            self.post_message(self.LongPaste(text))
