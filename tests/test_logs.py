"""Log tails on real files: backlog, appends, partial lines, rotation, truncation, missing files."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest

from ir_console.config import LogSource
from ir_console.signals.logs import MAX_LINE_BYTES, LogTail

CLOCK_TIME = datetime(2026, 11, 27, 3, 12, 5, tzinfo=UTC)


def clock() -> datetime:
    return CLOCK_TIME


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "app.log"


@pytest.fixture
def tails() -> Iterator[list[LogTail]]:
    opened: list[LogTail] = []
    yield opened
    for tail in opened:
        tail.close()


@pytest.fixture
def follow(tails: list[LogTail]):
    def make(path: Path, pattern: str = "error|fatal|panic", **options: int) -> LogTail:
        tail = LogTail(LogSource(path=path, pattern=pattern), clock=clock, **options)
        tails.append(tail)
        return tail

    return make


def append(path: Path, data: str | bytes) -> None:
    with path.open("ab") as file:
        file.write(data.encode() if isinstance(data, str) else data)


def texts(tail: LogTail) -> list[str]:
    return [line.text for line in tail.poll()]


def test_first_poll_shows_recent_matches_then_only_new_lines(log: Path, follow) -> None:
    append(log, "INFO boot\nERROR disk full\nINFO ok\nFATAL oom\n")
    tail = follow(log)

    first = tail.poll()
    assert [line.text for line in first] == ["ERROR disk full", "FATAL oom"]
    assert all(line.seen_at == CLOCK_TIME and line.source.path == log for line in first)
    assert texts(tail) == []

    append(log, "INFO fine\nerror: connection refused\n")
    assert texts(tail) == ["error: connection refused"]
    assert tail.problem == "" and tail.notice == ""


@pytest.mark.parametrize(("backlog_bytes", "expected_count"), [(96, 3), (97, 3), (127, 3), (128, 4), (0, 0)])
def test_backlog_is_the_end_of_the_file_from_a_whole_line(
    log: Path, follow, backlog_bytes: int, expected_count: int
) -> None:
    lines = [f"error {n:04d} " + "x" * 20 for n in range(1000)]  # 32 bytes with the newline
    append(log, "".join(line + "\n" for line in lines))

    shown = texts(follow(log, backlog_bytes=backlog_bytes))

    assert shown == lines[len(lines) - expected_count :]


def test_matching_is_a_case_insensitive_search(log: Path, follow) -> None:
    append(log, "Error one\nan ERROR two\nPanic three\nwarning four\nkernel: panicked\n")
    assert texts(follow(log)) == ["Error one", "an ERROR two", "Panic three", "kernel: panicked"]
    assert texts(follow(log, pattern=r"^warn")) == ["warning four"]


def test_an_invalid_pattern_is_a_problem(log: Path, follow) -> None:
    append(log, "ERROR x\n")
    tail = follow(log, pattern="error(")
    assert tail.poll() == []
    assert tail.problem.startswith("invalid pattern: ")


def test_a_partial_line_waits_for_its_newline(log: Path, follow) -> None:
    log.write_text("")
    tail = follow(log)
    tail.poll()

    append(log, "ERROR half")
    assert texts(tail) == []
    append(log, " and the rest\r\nERROR next")
    assert texts(tail) == ["ERROR half and the rest"]
    append(log, "\n")
    assert texts(tail) == ["ERROR next"]


def test_a_very_long_line_is_cut(log: Path, follow) -> None:
    log.write_text("")
    tail = follow(log)
    tail.poll()

    append(log, "ERROR " + "x" * 100_000)
    [cut] = texts(tail)
    assert len(cut.encode()) == MAX_LINE_BYTES and cut.startswith("ERROR xxx")
    append(log, "x" * 1000 + " error in the rest of the long line\nERROR after\n")
    assert texts(tail) == ["ERROR after"]


def test_nul_bytes_invalid_utf8_and_markup_do_not_break_anything(log: Path, follow) -> None:
    append(log, b"ERROR \x00nul \xff\xfe bad \x1b[31m[bold]markup[/]\x07\n\xc3\nERROR ok\n")
    assert texts(follow(log)) == ["ERROR \x00nul \ufffd\ufffd bad \x1b[31m[bold]markup[/]\x07", "ERROR ok"]


def test_rotation_by_rename_keeps_the_old_files_last_lines(log: Path, follow) -> None:
    append(log, "ERROR 1\n")
    tail = follow(log)
    assert texts(tail) == ["ERROR 1"]

    append(log, "ERROR 2 just before rotation\nERROR 3 unfinished")
    log.rename(log.with_suffix(".log.1"))
    append(log, "ERROR 4 in the new file\n")

    assert texts(tail) == ["ERROR 2 just before rotation", "ERROR 3 unfinished", "ERROR 4 in the new file"]
    assert tail.notice == "rotated at 03:12:05Z"
    append(log.with_suffix(".log.1"), "ERROR 5 late write to the old file\n")
    append(log, "ERROR 6\n")
    assert texts(tail) == ["ERROR 6"]


def test_rotation_with_the_new_file_created_later(log: Path, follow) -> None:
    append(log, "ERROR 1\n")
    tail = follow(log)
    tail.poll()

    append(log, "ERROR 2\n")
    log.rename(log.with_suffix(".log.1"))
    assert texts(tail) == ["ERROR 2"]
    assert tail.problem == "missing"

    append(log, "ERROR 3\n")
    assert texts(tail) == ["ERROR 3"]
    assert tail.problem == "" and tail.notice == "appeared at 03:12:05Z"


def test_a_deleted_file_is_let_go(log: Path, follow) -> None:
    """Holding a deleted log open would keep its disk space in use, mid-incident."""
    append(log, "ERROR 1\n")
    tail = follow(log)
    tail.poll()
    assert str(log) in open_paths()

    log.unlink()
    assert tail.poll() == []
    assert tail.problem == "missing"
    assert not any(path.startswith(str(log)) for path in open_paths())


def open_paths() -> list[str]:
    return [file.path for file in psutil.Process().open_files()]


def test_copytruncate_starts_again_from_the_top(log: Path, follow) -> None:
    append(log, "ERROR a long line before the rotation\n" * 3)
    tail = follow(log)
    tail.poll()

    shutil.copy(log, log.with_suffix(".log.1"))
    os.truncate(log, 0)
    append(log, "ERROR new\n")

    assert texts(tail) == ["ERROR new"]
    assert tail.notice == "truncated at 03:12:05Z"


def test_truncation_is_noticed_even_when_the_file_grew_back_past_us(log: Path, follow) -> None:
    append(log, "ERROR before\n")
    tail = follow(log)
    tail.poll()

    os.truncate(log, 0)
    append(log, "ERROR after truncation, longer than what was there\nERROR second\n")

    assert texts(tail) == ["ERROR after truncation, longer than what was there", "ERROR second"]
    assert tail.notice.startswith("truncated at")


def test_a_missing_file_is_waited_for_and_read_whole(log: Path, follow) -> None:
    tail = follow(log)
    assert tail.poll() == []
    assert tail.problem == "missing"
    assert tail.poll() == [] and tail.problem == "missing"

    append(log, "ERROR first\n" + "INFO filler\n" * 10_000 + "ERROR last\n")
    assert texts(tail) == ["ERROR first", "ERROR last"]
    assert tail.problem == ""


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_a_problem(log: Path, follow) -> None:
    append(log, "ERROR secret\n")
    log.chmod(0)
    tail = follow(log)
    assert tail.poll() == []
    assert tail.problem == "cannot read: permission denied"

    log.chmod(0o600)
    assert texts(tail) == ["ERROR secret"]
    assert tail.problem == ""


def test_a_folder_or_a_pipe_is_a_problem_not_a_hang(tmp_path: Path, follow) -> None:
    folder = follow(tmp_path)
    assert folder.poll() == [] and folder.problem == "cannot read: is a directory"

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    started = time.monotonic()
    pipe = follow(fifo)
    assert pipe.poll() == [] and pipe.problem == "cannot read: not a regular file"
    assert time.monotonic() - started < 2


def test_a_flood_is_read_a_bounded_amount_per_poll(log: Path, follow) -> None:
    log.write_text("")
    max_read = 1 << 20
    tail = follow(log, max_read=max_read)
    tail.poll()

    line = "INFO " + "x" * 94 + "\n"  # 100 bytes
    every_tenth = [f"ERROR {n:07d} " + "y" * 85 + "\n" for n in range(10_000)]
    append(log, "".join(line * 9 + error for error in every_tenth))  # 10 MB
    expected = [error.rstrip("\n") for error in every_tenth]

    received: list[str] = []
    polls = 0
    started = time.monotonic()
    while len(received) < len(expected) and polls < 100:
        batch = texts(tail)
        polls += 1
        assert len(batch) <= max_read // 1000 + 1
        received += batch
    elapsed = time.monotonic() - started

    assert received == expected
    assert polls >= 10
    assert elapsed < 10
    assert texts(tail) == []


def test_a_rotated_file_with_a_big_remainder_is_finished_first(log: Path, follow) -> None:
    log.write_text("")
    tail = follow(log, max_read=4096)
    tail.poll()

    old_lines = [f"ERROR old {n:04d}" for n in range(1000)]
    append(log, "".join(f"{line}\n" for line in old_lines))
    log.rename(log.with_suffix(".log.1"))
    append(log, "ERROR new\n")

    received: list[str] = []
    for _ in range(100):
        batch = texts(tail)
        received += batch
        if "ERROR new" in batch:
            break
    assert received == [*old_lines, "ERROR new"]


def test_close_releases_the_file(log: Path, follow) -> None:
    append(log, "ERROR 1\n")
    tail = follow(log)
    tail.poll()
    tail.close()
    assert str(log) not in open_paths()
    tail.close()  # twice is fine
