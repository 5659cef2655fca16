"""Pure functions that turn the record into text: safe display text, Markdown, status updates."""
