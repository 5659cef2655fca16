"""Recent changes: `git log --since` run on real repositories made here, never through a shell."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ir_console.config import GitSource
from ir_console.signals.changes import recent_commits

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration (a safe.directory there would change the answers)."""
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("git-home")))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_CONFIG_GLOBAL"):
        monkeypatch.delenv(name, raising=False)


def git(*arguments: str | bytes, at: datetime = NOW, author: str = "Ada") -> None:
    stamp = f"@{int(at.timestamp())} +0000"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
    }
    subprocess.run(["git", *arguments], env=env, check=True, capture_output=True, timeout=10)


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", str(path))
    return path


def commit(repo: Path, subject: str | bytes, *, ago: timedelta, author: str = "Ada") -> None:
    git(
        "-C",
        str(repo),
        "commit",
        "-q",
        "--allow-empty",
        "--cleanup=verbatim",
        "-m",
        subject,
        at=NOW - ago,
        author=author,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "payments-svc")
    commit(repo, "Old refactor", ago=timedelta(hours=3))
    commit(repo, "Deploy v2.41.0", ago=timedelta(minutes=90))
    commit(repo, "Raise pool size", ago=timedelta(minutes=10), author="Grace")
    return repo


def fixed_clock() -> datetime:
    return datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def test_commits_newer_than_since_newest_first(repo: Path) -> None:
    changes = recent_commits(GitSource(path=repo), clock=fixed_clock)

    assert changes.problem == ""
    assert [c.subject for c in changes.commits] == ["Raise pool size", "Deploy v2.41.0"]
    newest = changes.commits[0]
    assert newest.author == "Grace"
    assert newest.committed_at == NOW - timedelta(minutes=10)
    assert newest.committed_at.utcoffset() == timedelta(0)
    assert len(newest.sha) == 40 and int(newest.sha, 16) >= 0
    assert changes.checked_at == fixed_clock()


def test_since_and_max_count_come_from_the_source(repo: Path) -> None:
    last_hour = recent_commits(GitSource(path=repo, since="1 hour ago"))
    assert [c.subject for c in last_hour.commits] == ["Raise pool size"]

    everything = recent_commits(GitSource(path=repo, since="1 week ago"))
    assert len(everything.commits) == 3

    one = recent_commits(GitSource(path=repo, since="1 week ago", max_count=1))
    assert [c.subject for c in one.commits] == ["Raise pool size"]


def test_subjects_and_authors_come_back_verbatim(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    subject = "\x1b[31mred\x1b[0m [bold red]markup[/] \x07 bell\ttab \x1f unit"
    commit(repo, subject, ago=timedelta(minutes=1), author="[b]Eve[/b]")

    changes = recent_commits(GitSource(path=repo))

    assert changes.problem == ""
    assert [c.subject for c in changes.commits] == [subject]
    assert changes.commits[0].author == "[b]Eve[/b]"


def test_bytes_that_are_not_utf8_are_replaced(repo: Path) -> None:
    """`git commit` re-encodes a message that is not UTF-8, so this commit object is written by
    hand: invalid bytes in the author and the subject, as an old or foreign tool might leave."""

    def rev_parse(name: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), "rev-parse", name], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()

    stamp = int(NOW.timestamp())
    raw = (
        f"tree {rev_parse('HEAD^{tree}')}\nparent {rev_parse('HEAD')}\n".encode()
        + f"author \xffve <e@example.com> {stamp} +0000\n".encode("latin-1")
        + f"committer Eve <e@example.com> {stamp} +0000\n\n".encode()
        + b"bad \xc3 byte\n"
    )
    sha = (
        subprocess.run(
            ["git", "-C", str(repo), "hash-object", "-t", "commit", "-w", "--stdin"],
            input=raw,
            capture_output=True,
            check=True,
            timeout=10,
        )
        .stdout.decode()
        .strip()
    )
    git("-C", str(repo), "update-ref", "HEAD", sha)

    newest = recent_commits(GitSource(path=repo)).commits[0]

    assert (newest.sha, newest.author, newest.subject) == (sha, "\ufffdve", "bad \ufffd byte")


@pytest.mark.parametrize(
    "since_template",
    [
        "; touch {marker} #",
        "$(touch {marker})",
        "`touch {marker}`",
        "2 hours ago\ntouch {marker}",
        "' && touch {marker} && '",
    ],
)
def test_a_hostile_since_runs_nothing(repo: Path, tmp_path: Path, since_template: str) -> None:
    marker = tmp_path / "pwned"
    changes = recent_commits(GitSource(path=repo, since=since_template.format(marker=marker)))

    assert not marker.exists()
    assert changes.problem or all(c.subject for c in changes.commits)


def test_a_hostile_path_runs_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    name = "svc; touch pwned1 $(touch pwned2) `touch pwned3`"
    repo = make_repo(tmp_path / name)
    commit(repo, "Hotfix", ago=timedelta(minutes=5))

    existing = recent_commits(GitSource(path=repo))
    missing = recent_commits(GitSource(path=Path("$(touch pwned4)")))

    assert [c.subject for c in existing.commits] == ["Hotfix"]
    assert missing.commits == () and "does not exist" in missing.problem
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_a_nul_in_since_is_a_problem(repo: Path) -> None:
    changes = recent_commits(GitSource(path=repo, since="2 hours\x00 ago"))
    assert changes.commits == () and "NUL" in changes.problem


def test_git_missing(repo: Path) -> None:
    changes = recent_commits(GitSource(path=repo), git="ir-console-no-such-git")
    assert changes.problem == "git is not installed"
    assert changes.commits == ()


def test_path_missing_or_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")
    assert recent_commits(GitSource(path=tmp_path / "nope")).problem == f"{tmp_path / 'nope'} does not exist"
    assert recent_commits(GitSource(path=tmp_path / "file.txt")).problem.endswith("is not a folder")


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    changes = recent_commits(GitSource(path=plain))
    assert changes.problem == "not a git repository"


def test_a_repository_without_commits(tmp_path: Path) -> None:
    assert recent_commits(GitSource(path=make_repo(tmp_path / "empty"))).problem == "no commits yet"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a folder's owner needs root")
def test_a_repository_owned_by_someone_else(repo: Path) -> None:
    for path in [repo, *repo.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)

    changes = recent_commits(GitSource(path=repo))

    assert changes.commits == ()
    assert changes.problem.startswith("owned by another user")
    assert "\n" not in changes.problem


def fake_git(tmp_path: Path, script: str) -> str:
    path = tmp_path / "fake-git"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_git_that_hangs_is_stopped_at_the_timeout(repo: Path, tmp_path: Path) -> None:
    hanging = fake_git(tmp_path, "exec sleep 30\n")
    started = time.monotonic()

    changes = recent_commits(GitSource(path=repo), git=hanging, timeout=0.3)

    assert time.monotonic() - started < 5
    assert changes.problem == "git took longer than 0.3 s"


def test_a_git_error_is_its_first_line_without_control_characters(repo: Path, tmp_path: Path) -> None:
    failing = fake_git(tmp_path, "printf 'fatal: \\033[31mbad\\007 object\\r HEAD\\nhint: more\\n' >&2\nexit 128\n")

    changes = recent_commits(GitSource(path=repo), git=failing)

    assert changes.problem == "git failed: [31mbad object HEAD"


def test_a_corrupt_repository_is_a_git_error(repo: Path) -> None:
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
    ).stdout.strip()
    (repo / ".git" / "objects" / head[:2] / head[2:]).unlink()

    changes = recent_commits(GitSource(path=repo))

    assert changes.commits == ()
    assert changes.problem.startswith("git failed: ")
    assert head[:7] in changes.problem or "HEAD" in changes.problem
