"""The extension axis for value types: a :class:`Kind` knows one family of values.

Each kind lives in its own module of :mod:`timetravel.kinds` and says, for its values, how to
make a private copy, compare two, diff them at the granularity of the change, encode and
decode them for a file, show them as JSON and estimate their size. :mod:`timetravel.kinds`
registers them in one list; supporting a new library (polars, pydantic) is one new module
and one line there.

Plain Python values (dicts, lists, scalars) are not kinds: the recorder handles those inline
on its hot path. A kind is asked about everything else.

A granular diff is a list of changes *inside* a value. Each is addressed by a
:class:`Locator`, the last element of the change's path: ``("prices", Cells(...))`` names some
cells of the DataFrame under ``"prices"``. A located change's ``old`` and ``new`` are what
the locator reads from the old and the new value; applying it asks the locator to put one in
place of the other.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, ClassVar, Protocol

__all__ = ["EncodeContext", "Kind", "Located", "Locator"]


class EncodeContext(Protocol):
    """What a kind's :meth:`Kind.encode` may ask the codec (secrets, opaque stand-ins)."""

    def scrub(self, value: Any) -> Any:
        """Plain containers with the values under secret keys replaced by the marker."""

    def is_secret(self, name: Hashable) -> bool:
        """Whether a key, attribute or field name is secret."""

    def is_secret_label(self, label: Any) -> bool:
        """Whether a pandas label (a column, an index entry) is secret."""

    @property
    def redacting(self) -> bool:
        """Whether secrets are being redacted at all (a file write, not a test round trip)."""

    def opaque_repr(self, text: str, attrs: Iterable[str] = ()) -> str:
        """An opaque value's repr as it may be written (withheld if it may show a secret)."""


class Locator:
    """A place inside a value of one kind: the last element of a located change's path.

    Subclasses are small immutable records (equal and hashable by their fields), registered
    with their kind under a ``name`` that files carry; files never name a class to import.
    """

    __slots__ = ()

    #: The name this locator is written under in files (unique across kinds).
    name: ClassVar[str] = ""

    def get(self, value: Any) -> Any:
        """What this locator addresses in ``value`` (a private copy: values are not shared)."""
        raise NotImplementedError

    def put(self, value: Any, item: Any, replaced: Any) -> Any:
        """Put ``item`` where ``replaced`` is in ``value``; return the value (the same object,
        changed in place, or a new one for immutable values such as strings)."""
        raise NotImplementedError

    def args(self) -> list[Any]:
        """The fields written to a file (plain msgpack values)."""
        raise NotImplementedError

    @classmethod
    def from_args(cls, args: list[Any]) -> Locator:
        """The locator from :meth:`args`, read from a file that may be hostile: check every
        field and raise ``ValueError`` for anything this class would not have written."""
        raise NotImplementedError

    def describe(self) -> str:
        """A short text for viewers: ``cell [3, 'price']``."""
        return f"{self.name} {self.args()!r}"

    def __repr__(self) -> str:
        return f"<{self.describe()}>"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.args() == self.args()

    def __hash__(self) -> int:
        return hash((self.name, repr(self.args())))


#: One granular difference: where, what was there, what is there now.
Located = tuple[Locator, Any, Any]


class Kind:
    """One family of values (numpy arrays, pandas objects, dataclasses, ...).

    Override what the family needs; the defaults treat a value as an indivisible,
    deep-copyable whole. Methods get only values this kind :meth:`claims`.
    """

    #: A short name for messages and the registry.
    name: ClassVar[str] = ""
    #: The msgpack extension codes this kind writes and reads (unique across kinds).
    codes: ClassVar[tuple[int, ...]] = ()
    #: The locators of this kind's granular diffs.
    locators: ClassVar[tuple[type[Locator], ...]] = ()

    def claims(self, value: Any) -> bool:
        """Whether ``value`` is of this kind (without importing anything: a library the app
        has not imported can't have made the value)."""
        return False

    def copy(self, value: Any, copy_item: Callable[[Any], Any]) -> Any:
        """A private copy the app's later in-place changes can't reach. ``copy_item`` copies a
        value held inside (an object cell, a field) as the recorder copies any value."""
        import copy

        return copy.deepcopy(value)

    def equal(self, a: Any, b: Any, equal_item: Callable[[Any, Any], bool]) -> bool:
        """Equality for recording: NaN equals NaN, objects without ``__eq__`` by their fields
        (``equal_item`` compares values held inside). ``a`` and ``b`` are of the same type."""
        try:
            return bool(a == b)
        except Exception:
            return False

    def diff(self, old: Any, new: Any) -> list[Located] | None:
        """What changed inside ``old`` to make ``new`` (same type, known to differ), or None
        to record the value as a whole. Every locator must apply to ``old`` in order."""
        return None

    def update(
        self, value: Any, new: Any, parts: list[Located], copy_item: Callable[[Any], Any]
    ) -> Any:
        """Bring ``value``, a private copy equal to the value :meth:`diff` was given as old,
        up to ``new`` after it found ``parts``; return it (the same object or a new one). The
        default puts each part's new side, as a copy. A kind whose values are cheaper to copy
        than to change (immutable Arrow arrays) may take new's parts instead."""
        for loc, old, part in parts:
            value = loc.put(value, copy_item(part), old)
        return value

    def encode(self, value: Any, ctx: EncodeContext) -> tuple[int, Any] | None:
        """An extension code of :attr:`codes` and a payload (any encodable value), or None
        to let the codec record it as an object or opaque value."""
        return None

    def decode(self, code: int, payload: Any) -> Any:
        """The value from :meth:`encode`'s payload (from a file that may be hostile: check
        it; raise ``ValueError`` or ``TypeError`` with what is wrong)."""
        raise ValueError(f"{self.name} can't read extension type {code}")

    def nesting(self, code: int, payload: Any) -> int:
        """Levels of nesting a decoded value adds beyond its own (an object array's extra
        dimensions), counted against the decoder's depth limit."""
        return 0

    def to_json(self, value: Any, to_json: Callable[[Any], Any]) -> Any:
        """JSON-ready data for ``value`` (``to_json`` converts values held inside)."""
        from .._records import safe_repr, type_name

        return {"$opaque": type_name(value), "repr": safe_repr(value)}

    def size(self, value: Any) -> int:
        """An estimate of the memory a private copy of ``value`` holds, in bytes."""
        import sys

        nbytes = getattr(value, "nbytes", None)
        if isinstance(nbytes, int):
            return nbytes + 112
        return sys.getsizeof(value, 256)
