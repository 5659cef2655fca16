"""`ir-console sync now | run | status`: share this machine's record through NATS JetStream
([sync] in the configuration), and the publish-at-once of every other command's change."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import click

from ir_console.cli import Fail, open_store
from ir_console.command_line import publish_change
from ir_console.render.text import one_line
from ir_console.store import Store

if TYPE_CHECKING:
    from ir_console.config import SyncConfig

# asyncio, the configuration and the sync client are imported where used: every command that
# writes registers publish_on_close, and with no configuration file it needs none of them.


def sync_config(ctx: click.Context) -> SyncConfig:
    from ir_console.config import load_config

    config = load_config(ctx.obj["config"]).sync
    if not config.enabled:
        raise Fail(f"sync is off: no [sync] servers in {ctx.obj['config']} (see `ir-console config init`)")
    return config


def publish_on_close(ctx: click.Context, store: Store) -> None:
    """After a command, send its change at once when sync is configured (command_line.publish_change)."""
    ctx.call_on_close(lambda: publish_change(store, ctx.obj["config"]))


@click.group("sync")
def sync() -> None:
    """Share the record with other machines through NATS JetStream ([sync] in the configuration)."""


def _client():
    try:
        from ir_console.sync import client
    except ImportError as error:  # pragma: no cover - nats-py is an optional extra
        raise Fail(f"sync needs nats-py: pip install 'ir-console[sync]' ({error})") from None
    if client.nats is None:
        raise Fail("sync needs nats-py: pip install 'ir-console[sync]'")
    return client


@sync.command("now")
@click.pass_context
def sync_now(ctx: click.Context) -> None:
    """Send what waits, receive until caught up, exit."""
    client = _client()
    config = sync_config(ctx)
    store = open_store(ctx, create=True)
    import asyncio

    from ir_console.sync import outbox

    try:
        progress = asyncio.run(client.sync_now(store, config))
    except client.SyncError as error:
        waiting = outbox.status(store).waiting
        raise Fail(f"sync: {error}; {waiting} change(s) made here wait for the next sync", 1) from None

    state = outbox.status(store)
    click.echo(f"sent {progress.sent}, received {progress.received}; stream position {state.position}")


@sync.command("run")
@click.pass_context
def sync_run(ctx: click.Context) -> None:
    """Sync in the foreground until interrupted (for a machine with no console open)."""
    client = _client()
    config = sync_config(ctx)
    store = open_store(ctx, create=True)
    import asyncio

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await client.run(store, config, stop, lambda state: click.echo(one_line(state.label()), err=True))

    asyncio.run(main())


@sync.command("status")
@click.pass_context
def sync_status(ctx: click.Context) -> None:
    """Server, stream position, changes waiting, last error."""
    from ir_console.config import load_config
    from ir_console.sync import outbox

    config = load_config(ctx.obj["config"]).sync
    store = open_store(ctx, reading=True)
    state = outbox.status(store)
    servers = ", ".join(config.servers) if config.enabled else "none configured (sync is off)"
    click.echo(f"servers: {servers}")
    click.echo(f"last connected to: {state.server or '-'}")
    click.echo(f"stream position: {state.position}")
    click.echo(f"changes waiting: {state.waiting}")
    if state.too_large:
        click.echo(f"changes too large for the server, kept here only: {state.too_large}")
    click.echo(f"last sync: {state.last_sync_at or 'never'}")
    click.echo(f"last error: {one_line(state.last_error) if state.last_error else 'none'}")
