"""The war room's widgets, one pane a module: the header, the timeline, the entry line, the hypotheses and
containment lists, the signal panes."""
