"""Dialogs of the war room: one module a dialog, each a ModalScreen with a small dataclass result."""
