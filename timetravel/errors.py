"""Errors and warnings raised by timetravel."""

from __future__ import annotations

__all__ = ["RecordingError", "TimetravelWarning"]


class RecordingError(Exception):
    """A recording file can't be read: it says what is wrong and where (byte offset, frame)."""


class TimetravelWarning(UserWarning):
    """Something was not recorded or restored as asked (an uncopyable value, a failed write)."""
