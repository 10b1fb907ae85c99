"""Long strings: a middle edit of a 1 MB text is recorded as a splice, not two copies."""

from __future__ import annotations

from typing import Any

from .base import Kind, Located, Locator

# Below this length a string is recorded whole: a splice saves nothing worth its reading.
SPLICE_FROM = 1024
_CHUNK = 4096


class Splice(Locator):
    """The text from ``start`` on that a change replaces: ``old`` by ``new``."""

    __slots__ = ("start",)
    name = "text.splice"

    def __init__(self, start: int) -> None:
        self.start = start

    def get(self, value: Any) -> Any:  # pragma: no cover - splices are made by diff()
        return value[self.start :]

    def put(self, value: Any, item: Any, replaced: Any) -> Any:
        if not isinstance(value, str) or not isinstance(item, str):
            raise TypeError("a text splice applies to text only")
        end = self.start + len(replaced)
        if end > len(value):
            raise IndexError(f"splice at {self.start} runs past the end of the text")
        return value[: self.start] + item + value[end:]

    def args(self) -> list[Any]:
        return [self.start]

    @classmethod
    def from_args(cls, args: list[Any]) -> Splice:
        if len(args) != 1 or type(args[0]) is not int or not 0 <= args[0] < 1 << 40:
            raise ValueError(f"bad text splice {args!r}")
        return cls(args[0])

    def describe(self) -> str:
        return f"splice at {self.start}"


def _common_prefix(a: str, b: str, limit: int) -> int:
    i = 0
    while i < limit and a[i : i + _CHUNK] == b[i : i + _CHUNK]:  # C-level compares
        i += _CHUNK
    end = min(i + _CHUNK, limit)
    while i < end and a[i] == b[i]:
        i += 1
    return min(i, limit)


def _common_suffix(a: str, b: str, limit: int) -> int:
    n, m, i = len(a), len(b), 0
    while i + _CHUNK <= limit and a[n - i - _CHUNK : n - i] == b[m - i - _CHUNK : m - i]:
        i += _CHUNK
    while i < limit and a[n - i - 1] == b[m - i - 1]:
        i += 1
    return i


class TextKind(Kind):
    """``str``: compared and copied as the immutable value it is; long ones diff as splices."""

    name = "text"
    locators = (Splice,)

    def claims(self, value: Any) -> bool:
        return type(value) is str

    def copy(self, value: Any, copy_item: Any) -> Any:
        return value

    def equal(self, a: Any, b: Any, equal_item: Any) -> bool:
        return bool(a == b)

    def diff(self, old: Any, new: Any) -> list[Located] | None:
        if len(old) < SPLICE_FROM or len(new) < SPLICE_FROM:
            return None
        shortest = min(len(old), len(new))
        p = _common_prefix(old, new, shortest)
        q = _common_suffix(old, new, shortest - p)
        removed, inserted = old[p : len(old) - q], new[p : len(new) - q]
        if len(removed) + len(inserted) > (len(old) + len(new)) // 2:
            return None  # mostly rewritten: the whole text is as small
        return [(Splice(p), removed, inserted)]

    def to_json(self, value: Any, to_json: Any) -> Any:
        return value

    def size(self, value: Any) -> int:
        import sys

        return sys.getsizeof(value)
