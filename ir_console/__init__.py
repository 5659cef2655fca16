"""ir-console: a full-screen terminal war-room console for production incidents."""

__version__ = "0.1.0"
