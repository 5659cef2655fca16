"""The terminal driver: Textual's own, except that a bracketed paste reaches its parser without
the escape sequences it may hold.

Textual 8's `XTermParser` reads an ESC inside a bracketed paste as the start of a key sequence:
the characters after it leave the paste, come out as key presses (ESC itself as a literal `^`)
before the paste arrives, and the entry line stores `^[31mred^[0m afterbefore` for a paste of
`before<ESC>[31mred<ESC>[0m after`. `PasteFilteringParser` collects each bracketed paste whole,
removes its escape sequences (the one sanitiser, `render.text.ESCAPE_SEQUENCE`) and hands the
parser the clean paste, so it is one `Paste` event, in order. Everything outside a paste is passed
on at once, untouched (a lone ESC is the Escape key and must not wait for more input).
"""

from __future__ import annotations

import logging
import os
import selectors
import signal
import time
from codecs import getincrementaldecoder
from collections.abc import Iterable, Iterator

from textual import events
from textual._loop import loop_last
from textual._parser import ParseError
from textual._xterm_parser import BRACKETED_PASTE_END, BRACKETED_PASTE_START, XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from ir_console.render.text import ESCAPE_SEQUENCE

log = logging.getLogger(__name__)

# A paste whose end never comes (a broken terminal) is handed on once this long, not kept forever.
PASTE_LIMIT = 64 * 1024 * 1024


def without_escapes(pasted: str) -> str:
    """Pasted text without terminal escape sequences; a stray ESC the patterns do not cover goes too."""
    return ESCAPE_SEQUENCE.sub("", pasted).replace("\x1b", "")


def split_alt_keys(messages: Iterable[Message]) -> Iterator[Message]:
    """Escape then a key, typed fast (or over SSH), reaches us as one `alt+key`: a terminal sends
    alt+x as ESC x. No key of the console uses alt, so it is taken as what the commander typed,
    Escape and then the key (`Escape x` leaves the entry line and goes to the checklist; read as
    alt+x it typed an `x` into the entry line instead)."""
    for message in messages:
        character = getattr(message, "character", None)
        if (
            isinstance(message, events.Key)
            and message.key.startswith("alt+")
            and character is not None
            and len(character) == 1
            and character.isprintable()
        ):
            yield events.Key("escape", "\x1b")
            yield events.Key(message.key.removeprefix("alt+"), character)
        else:
            yield message


class PasteFilteringParser(XTermParser):
    """`XTermParser` fed bracketed pastes without escape sequences in them."""

    def __init__(self, debug: bool = False) -> None:
        super().__init__(debug)
        self._in_paste = False
        self._paste = ""  # the paste being collected, without its start marker
        self._searched = 0  # how far into `_paste` the end marker is known not to start
        self._tail = ""  # the last characters passed on outside a paste: a start marker split across reads

    def feed(self, data: str) -> Iterable[Message]:
        if not data:  # end of input
            return split_alt_keys(super().feed(data))
        return split_alt_keys(super().feed("".join(self._filter(data))))

    def tick(self) -> Iterable[Message]:
        """What the escape delay let go of (an `ESC x` read with nothing after it comes out here)."""
        return split_alt_keys(super().tick())

    def _filter(self, data: str) -> Iterable[str]:
        while data:
            if not self._in_paste:
                window = self._tail + data
                start = window.find(BRACKETED_PASTE_START)
                if start == -1:
                    self._tail = window[-(len(BRACKETED_PASTE_START) - 1) :]
                    yield data
                    return
                marker_end = start + len(BRACKETED_PASTE_START) - len(self._tail)
                yield data[:marker_end]
                data = data[marker_end:]
                self._in_paste, self._paste, self._searched, self._tail = True, "", 0, ""
            else:
                self._paste += data
                data = ""
                end = self._paste.find(BRACKETED_PASTE_END, self._searched)
                if end == -1:
                    self._searched = max(0, len(self._paste) - len(BRACKETED_PASTE_END) + 1)
                    if len(self._paste) <= PASTE_LIMIT:
                        return
                    end, after = len(self._paste), ""
                else:
                    after = self._paste[end + len(BRACKETED_PASTE_END) :]
                yield without_escapes(self._paste[:end]) + BRACKETED_PASTE_END
                self._in_paste, self._paste, data = False, "", after


class PasteSafeLinuxDriver(LinuxDriver):
    """Textual's Linux (and macOS) driver reading its input through `PasteFilteringParser`, which
    takes a terminal that has gone (its reads end) as a hangup."""

    _hung_up = False

    def read_terminal(self, fileno: int, size: int) -> bytes:
        """`os.read` of the terminal. A terminal that is gone reads empty (or fails with EIO) at
        once, forever: Textual's loop then spins at a third of a core and the console lives on
        unseen. That happens when the terminal closes without a SIGHUP reaching the console (it
        was started without a controlling terminal, as by some runners and `setsid`): it is taken
        as the hangup it is, and the console leaves as on SIGHUP (the pending write saved)."""
        try:
            data = os.read(fileno, size)
        except OSError:
            data = b""
        if not data:
            if not self._hung_up:
                self._hung_up = True
                log.info("the terminal is gone (its input ended): leaving as on SIGHUP")
                os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(0.1)  # until the app has left: no spinning meanwhile
        return data

    def run_input_thread(self) -> None:
        # Textual 8.2.8's LinuxDriver.run_input_thread, with the parser class and the read
        # replaced: the driver builds both inside this method and offers no other way to choose them.
        # tests/test_entry_line.py checks the copy still matches the pinned version.
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)

        fileno = self.fileno
        EVENT_READ = selectors.EVENT_READ

        parser = PasteFilteringParser(self._debug)
        feed = parser.feed
        tick = parser.tick

        utf8_decoder = getincrementaldecoder("utf-8")().decode
        decode = utf8_decoder
        read = self.read_terminal

        def process_selector_events(
            selector_events: list[tuple[selectors.SelectorKey, int]],
            final: bool = False,
        ) -> None:
            for last, (_selector_key, mask) in loop_last(selector_events):
                if mask & EVENT_READ:
                    unicode_data = decode(read(fileno, 1024 * 4), final=final and last)
                    if not unicode_data:
                        break
                    for event in feed(unicode_data):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process_selector_events(selector.select(0.1))
            selector.unregister(self.fileno)
            process_selector_events(selector.select(0.1), final=True)

        finally:
            selector.close()
            try:
                for event in feed(""):  # noqa: B007 (Textual's own line: the copy is compared with it)
                    pass
            except (EOFError, ParseError):
                pass
