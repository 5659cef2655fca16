"""The Logs pane: the latest lines matching each configured log file's pattern, newest last."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ir_console.config import LogSource
from ir_console.render.signals import log_line
from ir_console.render.text import display_text, one_line
from ir_console.signals.logs import LogLine
from ir_console.tui.widgets.text_pane import TextPane

SHOWN_PER_FILE = 50


class LogsPane(TextPane):
    def show(self, tails: Sequence[tuple[LogSource, Sequence[LogLine], str, str]]) -> None:
        """`tails`: (source, matching lines, problem, notice) per configured file."""
        if not tails:
            self.show_text(
                Text(
                    "No log files configured: add [[logs.file]] to the configuration file (ir-console config init).",
                    style="dim",
                )
            )
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (source, lines, problem, notice) in enumerate(tails):
            if index:
                text.append("\n")
            text.append(one_line(source.label), "bold")
            text.append(f"  {display_text(str(source.path))} /{one_line(source.pattern)}/", "dim")
            if problem:
                text.append(f"\n  {one_line(problem)}", "bold red")
            elif notice:
                text.append(f"\n  {one_line(notice)}", "yellow")
            if not lines and not problem:
                text.append("\n  no matching lines yet", "dim")
            for line in list(lines)[-SHOWN_PER_FILE:]:
                text.append(f"\n  {log_line(line)}")
        at_end = self.scroll_y >= self.max_scroll_y
        self.show_text(text)
        if at_end:
            self.call_after_refresh(self.scroll_end, animate=False)


def logs_summary(tails: Sequence[tuple[LogSource, Sequence[LogLine], str, str]]) -> str:
    lines = sum(len(lines) for _, lines, _, _ in tails)
    return f"Logs {lines}" if lines else "Logs"
