"""Sync between machines through NATS JetStream (issue #13): every machine keeps its own SQLite
copy; local changes go out through an outbox written in their own transaction, and the stream's
changes come in, merged by UUID. `outbox` and `apply` are SQLite only; `client` speaks to NATS.
Nothing here imports Textual."""
