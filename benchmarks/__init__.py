"""Benchmarks for ir-console: `python -m benchmarks` (or `make bench`).

Every figure is printed beside a baseline measured in the same run on the same machine, with the
ratio, because absolute times on a shared, noisy machine mean little. Nothing is asserted: the
table shows the targets from the issue and the reader judges.

Modules:
  data      builds the databases (empty, 10 events, 100,000 events) once per run in a temp dir
  startup   time to first frame and peak RSS, one fresh subprocess per measurement
  latency   Enter-to-visible latency of a timeline entry in a headless console, and the
            durable SQLite insert it is compared with
  idle      CPU share of an idle console with every signal at 1 Hz against signals off
  export    the post-mortem Markdown and the JSON export of a 10,000-event incident
  archive   1,000 incidents and 1,000,000 events: the incident list, search, similar incidents
  incidents_screen  opening the incidents screen on that archive, against opening the help screen
  report    the table, the machine line and benchmarks/RESULTS.md

This package's __init__ imports nothing on purpose: the startup children run
`python -m benchmarks.startup`, and whatever this file imported would count as startup cost.
"""
