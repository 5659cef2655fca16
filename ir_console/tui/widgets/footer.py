"""The screens' footer: Textual's `Footer`, its keys made ready to mount in the footer's style.

Textual's `FooterKey` starts compact and is bound to the (not compact) footer once mounted, so
each key, on every change of the keys shown (resolving shows `o`; every screen's first frame), is
restyled twice with all it holds: about 3 ms a key, 50–100 ms for the war room's footer on this
machine. Here each key starts as the footer is, so mounting it styles it once. It looks the same.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class QuickFooter(Footer):
    """`Footer`, each key composed already in the footer's compact or not."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            for key in (widget, *widget._pending_children) if isinstance(widget, Widget) else ():
                if isinstance(key, FooterKey):
                    key.set_reactive(FooterKey.compact, self.compact)
                    key.set_class(self.compact, "-compact", update=False)
            yield widget
