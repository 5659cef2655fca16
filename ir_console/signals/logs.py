"""Log tails for the Logs pane: the seed's `tail -100 error.log | grep -i "error\\|fatal\\|panic"`,
kept running.

A `LogTail` follows one file by name, like `tail -F`: it keeps the file open between polls and
stats the path each poll, so it reads what is left of a rotated file before opening the new one,
starts again when the file is truncated (copytruncate), and waits for a missing file to appear.
`poll()` blocks on disk reads (at most `max_read` bytes a call): call it from a worker thread,
one thread at a time. It never raises; what is wrong is in `problem`, the last rotation or
truncation in `notice`. Line text is kept as read (control characters included): the TUI makes
it displayable.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ir_console.config import LogSource, compile_log_pattern
from ir_console.model.clock import utc_now

MAX_LINE_BYTES = 64 * 1024  # a longer line is cut there; the rest of it is dropped
READ_CHUNK_BYTES = 256 * 1024
CHECK_BYTES = 32  # bytes before the read position compared each poll, to notice a rewrite


@dataclass(frozen=True)
class LogLine:
    text: str  # without its line ending (\n or \r\n)
    seen_at: datetime
    source: LogSource


class LineSplitter:
    """Bytes in, complete lines out. Holds a partial last line until its newline arrives."""

    def __init__(self, *, skip_first: bool = False) -> None:
        self.partial = bytearray()
        self.skipping = skip_first  # dropping bytes up to the next newline

    def feed(self, chunk: bytes) -> list[bytes]:
        lines: list[bytes] = []
        *complete, rest = chunk.split(b"\n")
        for piece in complete:
            if self.skipping:
                self.skipping = False
                continue
            self.partial += piece
            lines.append(self._take(ended=True))
        if not self.skipping:
            self.partial += rest
            if len(self.partial) > MAX_LINE_BYTES:
                lines.append(self._take(ended=False))
                self.skipping = True
        return lines

    def flush(self) -> list[bytes]:
        """The partial line, as a line of its own: its file has ended."""
        lines = [self._take(ended=False)] if self.partial and not self.skipping else []
        self.partial.clear()
        self.skipping = False
        return lines

    def _take(self, *, ended: bool) -> bytes:
        """The partial line, cut to MAX_LINE_BYTES; `ended` by a newline, whose \r goes too."""
        line = bytes(self.partial[:MAX_LINE_BYTES])
        self.partial.clear()
        return line.removesuffix(b"\r") if ended and len(line) < MAX_LINE_BYTES else line


class LogTail:
    """Follows `source.path`. `problem` is "" or one line ("missing", "cannot read: permission
    denied", "invalid pattern: ..."); `notice` is the last rotation, truncation or appearance of
    the file ("rotated at 03:12:05Z", UTC), "" until there is one."""

    def __init__(
        self,
        source: LogSource,
        *,
        clock: Callable[[], datetime] = utc_now,
        backlog_bytes: int = 65536,
        max_read: int = 1 << 20,
    ) -> None:
        self.source = source
        self.clock = clock
        self.backlog_bytes = max(0, backlog_bytes)
        self.max_read = max(1, max_read)
        self.problem = ""
        self.notice = ""
        self._fd: int | None = None
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the open file
        self._offset = 0
        self._last_bytes = b""  # the bytes just before `_offset`, to notice a rewrite
        self._lines = LineSplitter()
        self._from_start = False  # the file was missing or replaced: read the next one whole
        self._gone = False  # the path named nothing at the last look
        try:
            # RE2: linear time in the line, so no pattern and no line can stall the poll.
            self._pattern = compile_log_pattern(source.pattern)
        except ValueError as error:
            self._pattern = None
            self.problem = f"invalid pattern: {error}"

    def poll(self) -> list[LogLine]:
        """The matching lines written since the last poll (on the first, the last
        `backlog_bytes` of the file)."""
        if self._pattern is None:
            return []
        raw: list[bytes] = []
        try:
            self._follow(raw)
        except OSError as error:
            self.problem = describe_os_error(error)
        seen_at = self.clock()
        texts = (line.decode("utf-8", errors="replace") for line in raw)
        return [LogLine(text, seen_at, self.source) for text in texts if self._pattern.search(text)]

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._identity = None

    def _follow(self, raw: list[bytes]) -> None:
        budget = self.max_read
        current = self._stat_path()
        if self._fd is not None and not self._names_open_file(current):
            budget -= self._read(raw, budget)
            if budget <= 0:
                return  # the old file may have more: finish it next poll
            raw += self._lines.flush()
            self.close()
            self._from_start = True
            if current is not None:
                self._set_notice("rotated")
        if current is None:
            self._from_start = self._gone = True
            self.problem = "missing"
            return
        if self._fd is None:
            if not self._open(current):
                return
        elif self._was_rewritten(current):
            raw += self._lines.flush()
            self._offset = 0
            self._last_bytes = b""
            self._set_notice("truncated")
        self.problem = ""
        self._read(raw, budget)

    def _stat_path(self) -> os.stat_result | None:
        try:
            return os.stat(self.source.path)
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _names_open_file(self, current: os.stat_result | None) -> bool:
        return current is not None and (current.st_dev, current.st_ino) == self._identity

    def _open(self, current: os.stat_result) -> bool:
        if stat.S_ISDIR(current.st_mode):
            self.problem = "cannot read: is a directory"
            return False
        # O_NONBLOCK: opening a named pipe must not wait for a writer.
        fd = os.open(self.source.path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            os.close(fd)
            self.problem = "cannot read: not a regular file"
            return False
        self._fd = fd
        self._identity = (opened.st_dev, opened.st_ino)
        self._last_bytes = b""
        if self._gone:
            self._gone = False
            self._set_notice("appeared")
        if self._from_start:
            self._offset = 0
            self._lines = LineSplitter()
        else:
            self._offset = max(0, opened.st_size - self.backlog_bytes)
            self._lines = LineSplitter(skip_first=not self._at_line_start(self._offset))
        return True

    def _at_line_start(self, offset: int) -> bool:
        assert self._fd is not None
        return offset == 0 or os.pread(self._fd, 1, offset - 1) == b"\n"

    def _was_rewritten(self, current: os.stat_result) -> bool:
        """Truncated, even if it has grown past where we were since: the bytes just before our
        position are no longer the ones we read."""
        if current.st_size < self._offset:
            return True
        if not self._last_bytes:
            return False
        assert self._fd is not None
        start = self._offset - len(self._last_bytes)
        return os.pread(self._fd, len(self._last_bytes), start) != self._last_bytes

    def _read(self, raw: list[bytes], budget: int) -> int:
        """Read from the open file up to its end or `budget` bytes; returns the bytes read."""
        assert self._fd is not None
        total = 0
        while total < budget:
            chunk = os.pread(self._fd, min(budget - total, READ_CHUNK_BYTES), self._offset)
            if not chunk:
                break
            self._offset += len(chunk)
            total += len(chunk)
            raw += self._lines.feed(chunk)
            self._remember_last_bytes(chunk)
        return total

    def _remember_last_bytes(self, chunk: bytes) -> None:
        self._last_bytes = (self._last_bytes + chunk[-CHECK_BYTES:])[-CHECK_BYTES:]

    def _set_notice(self, event: str) -> None:
        self.notice = f"{event} at {self.clock():%H:%M:%S}Z"


def describe_os_error(error: OSError) -> str:
    if error.errno in (errno.EACCES, errno.EPERM):
        return "cannot read: permission denied"
    return f"cannot read: {(error.strerror or str(error)).lower()}"
