"""The dialogs: one module a dialog, each a `ModalScreen[Result]` (most through `base.Modal`) dismissed with
a small dataclass declared beside it, or None when cancelled. Their layout is in styles/dialogs.tcss."""
