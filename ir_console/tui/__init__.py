"""The full-screen console (Textual). The only layer that imports Textual."""
