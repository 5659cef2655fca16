"""The screens' footer: Textual's `Footer`, rebuilt only when the keys it shows change, its keys
made ready to mount in the footer's style.

Textual's `Footer` removes and mounts all its keys whenever the screen's bindings may have changed
(a dialog closed, the focus moved), even when it shows the same keys; and its `FooterKey` starts
compact and is bound to the (not compact) footer once mounted, so each key is restyled twice more
with all it holds: about 3 ms a key, 50–100 ms for the war room's footer on this machine. Here the
footer is rebuilt only when what it shows differs, and each key starts as the footer is, so
mounting styles it once. It looks the same.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # Textual's own key widget (not exported by textual.widgets)


class QuickFooter(Footer):
    """`Footer`, rebuilt only when the keys shown change, each key composed in the footer's style."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple | None = None  # what the keys composed last show

    def shown(self) -> tuple:
        """What the footer would show: each key shown, its label, whether it is enabled, its tooltip."""
        bindings = self.screen.active_bindings.values()
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
                for _, binding, enabled, tooltip in bindings
                if binding.show or binding.key == self.app.COMMAND_PALETTE_BINDING
            ),
        )

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        shown = self.shown()
        if shown != self._shown:
            self._shown = shown
            await super().recompose()

    def compose(self) -> ComposeResult:
        if not self._bindings_ready and self.is_attached:
            # The screen's keys are known as it is composed: show them in its first frame, not
            # after it (Textual waits for the screen's first bindings signal, then mounts them
            # all and lays the screen out again). That signal finds them unchanged.
            self.set_reactive(Footer._bindings_ready, True)
        if self._bindings_ready:
            self._shown = self.shown()
        for widget in super().compose():
            for key in (widget, *widget._pending_children) if isinstance(widget, Widget) else ():
                if isinstance(key, FooterKey):
                    # Textual binds each key to the footer's style but the command palette's, compact.
                    compact = True if key.has_class("-command-palette") else self.compact
                    key.set_reactive(FooterKey.compact, compact)
                    key.set_class(compact, "-compact", update=False)
            yield widget
