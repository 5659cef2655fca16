"""Getting a status update to where the commander can paste it, and saying honestly where it went.

No Textual here: the console passes OSC 52 in as a callback (`App.copy_to_clipboard`), the
command line writes the sequence itself. Three ways, in order:

1. **The system clipboard**, through the mechanism pyperclip picks (xclip or xsel on X11, wl-copy
   on Wayland, pbcopy on macOS, the Windows clipboard, clip.exe under WSL). It counts only when
   the clipboard reads back the same text: xclip "succeeds" without a word when DISPLAY points at
   an X server that is gone. xclip, xsel and wl-copy are run here rather than by pyperclip, with
   their error output discarded and a time limit, so a stale DISPLAY can neither print over the
   console nor hang it; the whole attempt is bounded by `SYSTEM_TIMEOUT`.
2. **OSC 52**, the escape sequence that asks the terminal to put text on *its* clipboard: the way
   over SSH and in tmux. Nothing confirms it arrived (many terminals ignore it, tmux drops it
   unless `set-clipboard on`), so it is sent only when the session looks like one where it can
   work (`osc52_session`: SSH, tmux, or a terminal known to support it) and, when the system
   clipboard did not work, always together with the file below. Over SSH it is sent even when
   the system clipboard worked, because that clipboard is the remote host's, not the commander's.
   It is not sent to terminals not known to take it: the system clipboard or the file is the
   answer there.
3. **A file**: when no system clipboard is confirmed, the text is written to a new file, readable
   by the owner only (0600), in `<data dir>/status-updates/`, and the message says where.

`CopyResult.message` says which of these happened, in one line.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyperclip

from ir_console.locations import status_updates_dir

SYSTEM_TIMEOUT = 5.0  # seconds for the system clipboard: copy and read back
# Where OSC 52 is worth sending: terminals known to honour it, by TERM_PROGRAM or TERM.
OSC52_TERM_PROGRAMS = {
    "iTerm.app": "iTerm2",
    "WezTerm": "WezTerm",
    "ghostty": "Ghostty",
    "kitty": "kitty",
    "rio": "Rio",
    "Tabby": "Tabby",
}
OSC52_TERMS = {
    "xterm-kitty": "kitty",
    "alacritty": "Alacritty",
    "foot": "foot",
    "foot-extra": "foot",
    "xterm-ghostty": "Ghostty",
    "wezterm": "WezTerm",
}
SSH_VARIABLES = ("SSH_TTY", "SSH_CONNECTION", "SSH_CLIENT")
# The environment variables `osc52_session` reads (tests clear them).
SESSION_VARIABLES = (*SSH_VARIABLES, "TMUX", "TERM_PROGRAM", "WT_SESSION", "KITTY_WINDOW_ID")
# Mechanisms that are a command: run here, quietly and with a time limit (see the module docstring).
COMMANDS = {
    "xclip": (["xclip", "-selection", "clipboard", "-in"], ["xclip", "-selection", "clipboard", "-out"]),
    "xsel": (["xsel", "--clipboard", "--input"], ["xsel", "--clipboard", "--output"]),
    "wl": (["wl-copy"], ["wl-paste", "--no-newline"]),
}
MECHANISM_NAMES = {
    "wl": "wl-copy",
    "osx_pbcopy": "pbcopy",
    "osx_pyobjc": "macOS pasteboard",
    "qt": "Qt",
    "windows": "Windows clipboard",
    "wsl": "clip.exe",
    "klipper": "Klipper",
    "dev_clipboard": "/dev/clipboard",
}
# Seconds between reads of a selection that is not there yet (see `_read_back`).
READ_BACK_PAUSES = (0.05, 0.15, 0.4)
NO_MECHANISM = "no clipboard program for this session (X11 needs DISPLAY and xclip or xsel; Wayland wl-copy)"


@dataclass(frozen=True)
class CopyResult:
    """Where the text went. `system`: the mechanism that holds it (read back to check), or "";
    `osc52`: the sequence was sent (unconfirmed); `file`: where it was written, or None."""

    system: str = ""
    osc52: bool = False
    file: Path | None = None
    problem: str = ""  # why the system clipboard did not work
    file_error: str = ""  # why the file could not be written

    @property
    def severity(self) -> str:
        """For a notification: "information" when the clipboard holds the text, "warning" when it
        may not, "error" when the text is nowhere but on screen."""
        if self.system:
            return "information"
        return "warning" if self.file or self.osc52 else "error"

    @property
    def message(self) -> str:
        if self.system:
            also = " and sent to your terminal's clipboard (OSC 52)" if self.osc52 else ""
            return f"Copied to the system clipboard ({self.system}){also}."
        if self.file is not None:
            if self.osc52:
                return f"Sent to your terminal's clipboard (OSC 52); if it did not arrive, the text is in {self.file}"
            return f"No clipboard here ({self.problem}); the text is in {self.file}"
        unsaved = f"the file could not be written ({self.file_error})"
        if self.osc52:
            return (
                f"Sent to your terminal's clipboard (OSC 52), unconfirmed; "
                f"no system clipboard ({self.problem}) and {unsaved}"
            )
        return f"Not copied: no system clipboard ({self.problem}) and {unsaved}"


def copy_text(
    text: str,
    *,
    osc52: Callable[[str], Any] | None = None,
    folder: Path | None = None,
    suffix: str = ".md",
    name: str = "status-update",
    env: Mapping[str, str] | None = None,
) -> CopyResult:
    """Copy `text` by the policy in the module docstring. Blocking (up to `SYSTEM_TIMEOUT`): the
    console calls it from a worker thread. `osc52` sends the sequence, or is None where it cannot
    be sent (the command line with stdout not a terminal). `folder` defaults to the data dir's
    `status-updates/`."""
    env = os.environ if env is None else env
    system, problem = system_copy(text)
    sent = False
    if osc52 is not None and osc52_session(env) and (not system or is_remote(env)):
        osc52(text)
        sent = True
    if system:
        return CopyResult(system=system, osc52=sent)
    try:
        saved = save_to_file(text, folder if folder is not None else status_updates_dir(), suffix=suffix, name=name)
    except OSError as error:
        return CopyResult(osc52=sent, problem=problem, file_error=error.strerror or str(error))
    return CopyResult(osc52=sent, file=saved, problem=problem)


# -- the system clipboard -------------------------------------------------------------------------


def system_copy(text: str, timeout: float = SYSTEM_TIMEOUT) -> tuple[str, str]:
    """Copy through the system clipboard and read it back: (mechanism, "") when it holds `text`,
    ("", why not) otherwise. Never raises, never takes much more than `timeout` seconds."""
    outcome: list[tuple[str, str]] = []

    def attempt() -> None:
        try:
            outcome.append(_copy_and_read_back(text, timeout))
        except Exception as error:
            outcome.append(("", _describe(error)))

    worker = threading.Thread(target=attempt, name="ir-clipboard", daemon=True)
    worker.start()
    worker.join(timeout + 1)
    if not outcome:
        return "", f"the system clipboard did not answer within {timeout:g} s"
    return outcome[0]


def _copy_and_read_back(text: str, timeout: float) -> tuple[str, str]:
    copy, paste = pyperclip.determine_clipboard()
    if not copy:  # type: ignore[truthy-function]  # pyperclip's "no mechanism" stand-in is falsy (and raises)
        return "", NO_MECHANISM
    key = getattr(copy, "__name__", "").removeprefix("copy_")
    name = MECHANISM_NAMES.get(key, key or "pyperclip")
    if key in COMMANDS:
        copy_command, paste_command = COMMANDS[key]
        # The copy programs stay behind to serve the selection: their output must not be a pipe
        # we wait on, and their complaints must not reach the console's screen.
        subprocess.run(
            copy_command,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=True,
        )
        pasted = _read_back(paste_command, text, timeout)
    else:
        copy(text)
        pasted = paste()
    if _same(pasted, text):
        return name, ""
    return "", f"{name} did not give the text back"


def _read_back(command: list[str], text: str, timeout: float) -> str:
    """The selection as the paste program reads it. The copy program takes the selection a moment
    after it returns; on a loaded machine the first read can come before that (xclip: exit status
    1, or the previous text), so it is read again a few times before the copy is called failed."""
    for pause in (*READ_BACK_PAUSES, None):
        try:
            pasted = subprocess.run(
                command, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=True
            ).stdout.decode("utf-8", "replace")
        except subprocess.CalledProcessError:
            if pause is None:
                raise
        else:
            if _same(pasted, text) or pause is None:
                return pasted
        time.sleep(pause)
    raise AssertionError("unreachable: the last pass returns or raises")


def _same(pasted: object, text: str) -> bool:
    if not isinstance(pasted, str):
        return False

    def normal(value: str) -> str:
        return value.replace("\r\n", "\n").rstrip("\n")

    return normal(pasted) == normal(text)


def _describe(error: BaseException) -> str:
    if isinstance(error, subprocess.TimeoutExpired):
        return f"{error.cmd[0]} did not answer within {error.timeout:g} s"
    if isinstance(error, subprocess.CalledProcessError):
        hint = ""
        if error.cmd[0] in ("xclip", "xsel"):
            hint = f"; is the X display {os.environ.get('DISPLAY', '')!r} there?"
        return f"{error.cmd[0]} failed (exit status {error.returncode}{hint})"
    if isinstance(error, FileNotFoundError) and error.filename:
        return f"{error.filename} is not installed"
    first_line = (str(error).strip().splitlines() or [""])[0]
    return " ".join(first_line.split())[:200] or type(error).__name__


# -- OSC 52 ---------------------------------------------------------------------------------------


def is_remote(env: Mapping[str, str]) -> bool:
    return any(env.get(name) for name in SSH_VARIABLES)


def osc52_session(env: Mapping[str, str]) -> str:
    """Why OSC 52 may reach the commander's clipboard here ("SSH", "tmux", a terminal's name), or
    "" when nothing suggests it would."""
    if is_remote(env):
        return "SSH"
    if env.get("TMUX"):
        return "tmux"
    if env.get("TERM_PROGRAM") in OSC52_TERM_PROGRAMS:
        return OSC52_TERM_PROGRAMS[env["TERM_PROGRAM"]]
    if env.get("TERM") in OSC52_TERMS:
        return OSC52_TERMS[env["TERM"]]
    if env.get("KITTY_WINDOW_ID"):
        return "kitty"
    if env.get("WT_SESSION"):
        return "Windows Terminal"
    return ""


def osc52_sequence(text: str) -> str:
    """The sequence `App.copy_to_clipboard` writes, for the command line to write itself."""
    import base64

    return f"\x1b]52;c;{base64.b64encode(text.encode('utf-8')).decode('ascii')}\a"


# -- the file -------------------------------------------------------------------------------------


SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def save_to_file(
    text: str, folder: Path, *, suffix: str = ".md", name: str = "status-update", now: datetime | None = None
) -> Path:
    """Write `text` to a new file in `folder` (created 0700 if missing), readable by the owner only:
    `<name>-<UTC time>.md`, with `-2`, `-3`... if that name is taken. Returns its path."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    stem = f"{SAFE_NAME.sub('_', name).strip('._') or 'status-update'}-{moment:%Y%m%dT%H%M%SZ}"
    data = text.encode("utf-8")
    for attempt in range(1, 1000):
        path = folder / f"{stem}{'' if attempt == 1 else f'-{attempt}'}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        try:
            with os.fdopen(fd, "wb") as handle:
                if hasattr(os, "fchmod"):
                    os.fchmod(handle.fileno(), 0o600)  # whatever the umask
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path
    raise FileExistsError(f"{folder}: too many files named {stem}")
