"""Errors and warnings raised by timetravel."""

from __future__ import annotations

__all__ = ["QueryError", "RecordingError", "RecordingInUseError", "TimetravelWarning"]


class RecordingError(Exception):
    """A recording file can't be read: it says what is wrong and where (byte offset, frame)."""


class RecordingInUseError(RecordingError):
    """Another recorder is writing the file a recorder or ``save()`` was asked to write."""


class TimetravelWarning(UserWarning):
    """Something was not recorded or restored as asked (an uncopyable value, say)."""


class QueryError(ValueError):
    """A search query can't be read (:func:`timetravel.parse_query`): the message says what
    is wrong and at which column. ``query`` is the query as given and ``column`` the 1-based
    column of the trouble (None when it is the whole query)."""

    def __init__(self, message: str, query: str = "", column: int | None = None) -> None:
        super().__init__(message)
        self.query = query
        self.column = column
