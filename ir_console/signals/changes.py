"""Recent changes for the Changes pane: the seed's `git log --oneline --since="2 hours ago"`.

`recent_commits` runs git with an argument list, never a shell, so nothing in a configured path
or `since` is ever interpreted. It blocks for up to `timeout` seconds: call it from a worker
thread. It never raises: whatever goes wrong is one human line in `RepoChanges.problem`.
Subjects and authors come back as git stored them (control characters and markup included);
the TUI makes them displayable.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ir_console.config import GitSource
from ir_console.model.clock import utc_now

FIELD = "\x1f"  # between the fields of a commit (%x1f)
RECORD = "\x00"  # after each commit (%x00)
# Subject last, so a unit separator inside a subject stays in the subject.
LOG_FORMAT = "%H%x1f%ct%x1f%an%x1f%s%x00"
MAX_PROBLEM_CHARS = 200


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str
    author: str
    committed_at: datetime  # aware, UTC


@dataclass(frozen=True)
class RepoChanges:
    source: GitSource
    commits: tuple[Commit, ...]  # newest first
    problem: str  # "" when git answered
    checked_at: datetime


def recent_commits(
    source: GitSource,
    *,
    clock: Callable[[], datetime] = utc_now,
    git: str = "git",
    timeout: float = 5.0,
) -> RepoChanges:
    """The commits of `source.path` newer than `source.since`, newest first."""
    commits: tuple[Commit, ...] = ()
    problem = _folder_problem(source)
    if not problem:
        output, problem = _run_git(git, source, timeout)
        commits = parse_log(output)
    return RepoChanges(source=source, commits=commits, problem=problem, checked_at=clock())


def git_log_arguments(git: str, source: GitSource) -> list[str]:
    return [
        git,
        "-C",
        str(source.path),
        "log",
        f"--since={source.since}",
        f"--max-count={max(1, int(source.max_count))}",
        "--no-color",
        "--no-show-signature",  # log.showSignature would run gpg.program from the repo's config
        f"--format={LOG_FORMAT}",
        "--",
    ]


def git_environment() -> dict[str, str]:
    """The caller's environment (HOME, so the user's safe.directory still applies), made quiet:
    no credential prompt, English messages to recognise, no pager, no optional index lock."""
    return {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        "GIT_PAGER": "cat",
        "GIT_OPTIONAL_LOCKS": "0",
    }


def parse_log(output: bytes) -> tuple[Commit, ...]:
    commits = []
    for record in output.decode("utf-8", errors="replace").split(RECORD):
        record = record.removeprefix("\n")  # the format is a terminator: git adds a newline
        fields = record.split(FIELD, 3)
        if len(fields) != 4 or not fields[1].isdigit():
            continue
        sha, timestamp, author, subject = fields
        committed_at = datetime.fromtimestamp(int(timestamp), UTC)
        commits.append(Commit(sha=sha, subject=subject, author=author, committed_at=committed_at))
    return tuple(commits)


def _folder_problem(source: GitSource) -> str:
    """Said here rather than by git, whose message would name `-C`."""
    try:
        if not source.path.exists():
            return f"{source.path} does not exist"
        if not source.path.is_dir():
            return f"{source.path} is not a folder"
    except OSError as error:
        return f"cannot look at {source.path}: {(error.strerror or str(error)).lower()}"
    return ""


def _run_git(git: str, source: GitSource, timeout: float) -> tuple[bytes, str]:
    """git's standard output and a problem ("" when it succeeded)."""
    try:
        finished = subprocess.run(
            git_log_arguments(git, source),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            env=git_environment(),
            check=False,
        )
    except FileNotFoundError:
        return b"", "git is not installed"
    except subprocess.TimeoutExpired:
        return b"", f"git took longer than {timeout:g} s"
    except ValueError:  # a NUL character in the path or in `since`
        return b"", "the path or `since` contains a NUL character"
    except OSError as error:
        return b"", f"cannot run git: {(error.strerror or str(error)).lower()}"
    if finished.returncode == 0:
        return finished.stdout, ""
    return b"", describe_git_error(finished.stderr)


def describe_git_error(stderr: bytes) -> str:
    text = stderr.decode("utf-8", errors="replace")
    if "dubious ownership" in text:
        return (
            "owned by another user, so git refuses to read it "
            "(if you trust it: git config --global --add safe.directory PATH)"
        )
    if "not a git repository" in text:
        return "not a git repository"
    if "does not have any commits yet" in text:
        return "no commits yet"
    first_line = next((line for line in text.split("\n") if line.strip()), "")
    first_line = first_line.removeprefix("fatal: ").removeprefix("error: ")
    cleaned = "".join(char for char in first_line if char.isprintable()).strip()
    return f"git failed: {cleaned[:MAX_PROBLEM_CHARS] or 'no message'}"
