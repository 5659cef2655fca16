"""The Changes pane: recent commits of the configured repositories (the seed's `git log --since`)."""

from __future__ import annotations

from rich.text import Text

from ir_console.render.signals import commit_line
from ir_console.render.text import display_text, one_line
from ir_console.signals.changes import RepoChanges
from ir_console.tui.widgets.text_pane import TextPane


class ChangesPane(TextPane):
    def show(self, repos: list[RepoChanges], *, configured: bool) -> None:
        if not configured:
            self.show_text(
                Text(
                    "No repositories configured: add [[changes.git]] to the configuration "
                    "file (ir-console config init).",
                    style="dim",
                )
            )
            return
        if not repos:
            self.show_text(Text("Reading git log…", style="dim"))
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, repo in enumerate(repos):
            if index:
                text.append("\n")
            text.append(f"{one_line(repo.source.label)}", "bold")
            text.append(f"  {display_text(str(repo.source.path))} · since {one_line(repo.source.since)}", "dim")
            if repo.problem:
                text.append(f"\n  {one_line(repo.problem)}", "bold red")
            elif not repo.commits:
                text.append("\n  no commits", "dim")
            for commit in repo.commits:
                text.append(f"\n  {commit_line(commit)}")
        self.show_text(text)


def changes_summary(repos: list[RepoChanges]) -> str:
    commits = sum(len(repo.commits) for repo in repos)
    return f"Changes {commits}" if commits else "Changes"
