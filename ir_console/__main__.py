"""`python -m ir_console` runs the same entry point as the `ir-console` script."""

from ir_console.entry import main

main()
