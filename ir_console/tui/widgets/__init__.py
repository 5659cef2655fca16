"""The war room's widgets: the header, the timeline, the smaller panes and the signal panes."""
