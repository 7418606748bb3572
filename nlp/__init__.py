"""The project's spaCy pipeline: its patterns, its builder and the danger safety net."""
