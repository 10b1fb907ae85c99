"""Errors and warnings raised by timetravel."""

from __future__ import annotations

__all__ = ["RecordingError", "RecordingInUseError", "TimetravelWarning"]


class RecordingError(Exception):
    """A recording file can't be read: it says what is wrong and where (byte offset, frame)."""


class RecordingInUseError(RecordingError):
    """Another recorder is writing the file a recorder or ``save()`` was asked to write."""


class TimetravelWarning(UserWarning):
    """Something was not recorded or restored as asked (an uncopyable value, say)."""
