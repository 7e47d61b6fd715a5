"""Foley Studio's desktop app: ``ui.model`` (the document, undo, preferences) and
``ui.services`` (jobs, decoding, playback, sending) are Qt-free; ``ui.qt`` holds the PyQt6
views; :func:`ui.app.main` starts it all."""
