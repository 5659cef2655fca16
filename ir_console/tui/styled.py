"""Screens styled once as they are first shown (issue #14)."""

from __future__ import annotations

from textual import events


class StyledAsMounted:
    """A screen whose widgets are not all restyled as it is first shown.

    Textual styles each widget as it mounts, then restyles the whole screen on its first
    `ScreenResume`, before its first frame: the same work twice (the war room's ~60 widgets, a
    dialog's ~30). Nothing is left for that pass to do: what changes a widget's styles after it
    mounted (a class, the focus, the theme) restyles that widget itself. Later resumes (back from a
    screen above it) restyle as Textual does. Mixed in before Textual's `Screen`."""

    _shown_once = False

    def _on_screen_resume(self, resumed: events.ScreenResume) -> None:
        # Dispatched before Screen's own handler (this class comes first in the MRO).
        if not self._shown_once:
            self._shown_once = True
            resumed.refresh_styles = False
