"""One error family whose messages tell a user what went wrong and what to do.

Every error the library raises on purpose derives from :class:`FoleyStudioError`; the CLI
prints its message and exits with status 2, the GUI shows it in a dialog and keeps running.
"""
from __future__ import annotations


class FoleyStudioError(Exception):
    """Base of every error Foley Studio raises on purpose; the message is for the user."""


class MediaError(FoleyStudioError):
    """A media file cannot be used: missing, not media, corrupt, or lacking a stream."""


class MissingFileError(MediaError):
    """The file does not exist."""


class NotMediaError(MediaError):
    """The file exists but no decoder recognises it."""


class CorruptMediaError(MediaError):
    """The file is truncated or damaged."""


class NoStreamError(MediaError):
    """The file has no stream of the kind asked for (video or audio)."""


class EmptyMediaError(MediaError):
    """The file or stream has zero length."""


class SelectionError(FoleyStudioError):
    """A time, frame or region lies outside the clip, or is empty or reversed."""


class CheckpointError(FoleyStudioError):
    """A weight file or bundle is missing, corrupt, or does not match the architecture."""


class ConfigError(FoleyStudioError):
    """A configuration, preset or request holds a value that cannot work."""


class ModelUnavailableError(FoleyStudioError):
    """A model's weights are not on this machine (and cannot be downloaded here)."""


class DiskFullError(FoleyStudioError):
    """Writing failed because the disk is full or not writable; nothing was overwritten."""


class BridgeError(FoleyStudioError):
    """A DAW or editor could not be reached, answered wrongly, or refused the request."""


class Cancelled(FoleyStudioError):
    """The user cancelled a long-running job."""
