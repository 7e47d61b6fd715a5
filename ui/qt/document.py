"""Document safety: the questions asked before the open project is replaced, closed or recovered.

Before anything replaces the project (open a video or project, a recent file, a drop, a
command-line path, New Project) or closes it (Quit), :meth:`DocumentGuard.release` asks about a
running job (stop it, or keep working) and then about unsaved edits (Save / Don't Save /
Cancel). Cancel at any step leaves everything as it was. Crash recoveries are offered at start-up
and again whenever the project they belong to is opened, until the user recovers or discards
them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional, Protocol

from ui.qt.dialogs import CANCEL, SAVE
from ui.services import autosave
from ui.services.autosave import Recovery

RECOVER, DISCARD, LATER = "Recover", "Discard", "Not Now"
STOP_JOB, KEEP_WORKING = "Stop the Job", "Keep Working"


class DocumentHost(Protocol):
    """What the guard needs from the window."""

    dialogs: Any
    jobs: Any

    @property
    def modified(self) -> bool:
        """Whether the project has edits that are not saved."""

    def document_name(self) -> str:
        """The project's name as the title bar shows it."""

    def save(self) -> Optional[Path]:
        """Save, asking for a path when there is none; None when the user cancels."""

    def guarded(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call ``fn``; an exception becomes an error dialog and None."""

    def stop_jobs(self) -> None:
        """Cancel running jobs and drop what they would deliver."""


class DocumentGuard:
    """Asks before the open project goes, and offers what a crash left behind."""

    def __init__(self, host: DocumentHost) -> None:
        self.host = host
        self.offer_recoveries = True  # off in smoke runs, which must never wait for an answer

    def release(self, action: str) -> bool:
        """Whether the project may be replaced or closed to ``action`` ("quit", "open x.mp4").

        Asks about a running job, then about unsaved edits; a job is stopped only once every
        answer allows it. False: the user kept things as they were, and nothing changed.
        """
        h = self.host
        job = next((j for j in list(h.jobs.jobs) if not j.finished), None)
        if job is not None and h.dialogs.choose(
                "A job is running", f"“{job.title}” has not finished. Stop it to {action}? Its "
                "results would be lost.", [STOP_JOB, KEEP_WORKING]) != STOP_JOB:
            return False
        if not self._settle_edits(action):
            return False
        if job is not None:
            h.stop_jobs()
        return True

    def _settle_edits(self, action: str) -> bool:
        h = self.host
        if not h.modified:
            return True
        answer = h.dialogs.save_changes(
            "Save changes?", f"{h.document_name()} has unsaved changes. Save them before you "
                             f"{action}?")
        if answer == CANCEL:
            return False
        if answer == SAVE:
            return h.guarded(h.save) is not None
        return True

    def startup_recovery(self, skip: Optional[str] = None) -> Optional[Recovery]:
        """Offer each crash's autosave (newest first) until one is recovered; return it.

        The autosave of ``skip`` (the project about to be opened) is left for that opening.
        """
        if not self.offer_recoveries:
            return None
        for recovery in autosave.pending_recoveries():
            if not (skip and recovery.is_for(skip)) and self._wants(recovery):
                return recovery
        return None

    def recovery_of(self, path: str | Path) -> Optional[Recovery]:
        """A crash's autosave of the project at ``path``, when the user wants it instead."""
        if not self.offer_recoveries:
            return None
        for recovery in autosave.pending_recoveries():
            if recovery.is_for(path) and self._wants(recovery):
                return recovery
        return None

    def _wants(self, recovery: Recovery) -> bool:
        """Ask; Discard deletes the autosave, Not Now keeps it for the next time."""
        answer = self.host.dialogs.choose(
            "Recover unsaved work?",
            f"Foley Studio did not close cleanly, and unsaved edits were kept: "
            f"{recovery.describe()}.\n\nRecover opens them (still unsaved). Discard deletes them. "
            "Not Now keeps them for later.", [RECOVER, DISCARD, LATER])
        if answer == DISCARD:
            recovery.discard()
        return answer == RECOVER
