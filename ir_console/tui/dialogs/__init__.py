"""Dialogs: one module each, a ModalScreen whose result is a small dataclass declared beside it."""
