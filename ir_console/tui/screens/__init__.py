"""The console's full screens (war room, incidents, post-mortem) and the modal forms not yet moved to
`tui/dialogs/`."""
