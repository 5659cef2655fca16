"""Radio buttons and checkboxes that say their state in the glyph, not in its colour alone.

Textual draws every radio button `●` and every checkbox `X`, the chosen ones in another colour:
on a 16-colour terminal, to a colour-blind reader or in a photo of the screen they all look
chosen. These draw `●` / `X` only when on, and a blank when off.
"""

from __future__ import annotations

from textual.widgets import Checkbox, RadioButton


class Choice(RadioButton):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Textual's class attribute, per button here
        return "●" if self.value else " "


class Tick(Checkbox):
    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # Textual's class attribute, per button here
        return "X" if self.value else " "
