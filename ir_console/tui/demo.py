"""`ir-console demo`: the console on the demo incident (ir_console/demo.py) in a database of its
own, with the demo's signals, so a newcomer can try every key without touching their record."""

from __future__ import annotations

from typing import Any, cast

from ir_console.demo import FixedSampler, demo_config, open_demo, show_demo_signals
from ir_console.signals.resources import ResourceSampler
from ir_console.store import Store
from ir_console.tui.app import IrConsoleApp
from ir_console.tui.widgets.signals import SignalsPane


class DemoConsoleApp(IrConsoleApp):
    """The console as it is used for real, on the demo's clock, configuration and measurements
    (the demo's endpoints are named, never contacted)."""

    def __init__(self, store: Store, *, demo_sampler: FixedSampler, **options: Any) -> None:
        # The demo's sampler answers what ResourceSampler answers, with the demo's figures.
        super().__init__(store, sampler=cast(ResourceSampler, demo_sampler), **options)
        self.demo_sampler = demo_sampler

    async def on_ready(self) -> None:  # Textual calls IrConsoleApp.on_ready as well
        show_demo_signals(self.screen.query_one(SignalsPane), self.demo_sampler, self.clock())


def demo_console(store: Store, clock, *, author: str = "", handle_signals: bool = False) -> DemoConsoleApp:
    return DemoConsoleApp(
        store,
        clock=clock,
        demo_sampler=FixedSampler(),
        author=author,
        sample_interval=0,
        config=demo_config(),
        handle_signals=handle_signals,
    )


__all__ = ["DemoConsoleApp", "demo_console", "open_demo"]
