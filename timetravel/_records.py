"""The plain records of recorded values: the missing-value sentinel, the redaction marker, and
the stand-ins a file holds for objects it doesn't name (see :mod:`timetravel.values`).

No dependencies inside the package: the value kinds and the codec build on it.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, Final


class _Missing:
    """Sentinel for "no value here" (the old value of an added key, the new one of a removed)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<missing>"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


class Redacted:
    """Marker written to files in place of a secret value. All markers are equal."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<redacted>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Redacted)

    def __hash__(self) -> int:
        return hash("timetravel.Redacted")


REDACTED: Final = Redacted()


@dataclass(frozen=True)
class Opaque:
    """A value that could not be copied or encoded, kept as its type name and repr.

    ``attrs`` holds the value's attribute names, if it had any, so that a writer can tell
    whether the repr may show a secret; files don't keep them.
    """

    type: str
    repr: str
    attrs: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return f"<{self.type}: {self.repr}>"


@dataclass(frozen=True)
class ObjectRecord:
    """A readable record of an object (Enum member, dataclass, plain object) read from a file.

    Files never name a class that gets imported: such objects come back as their type name
    and their value or fields.
    """

    type: str
    fields: dict[Any, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.type, tuple(self.fields)))


def type_name(value: object) -> str:
    """``module.Qualname`` of a value's type (``builtins`` omitted)."""
    t = type(value)
    mod = t.__module__
    return t.__qualname__ if mod == "builtins" else f"{mod}.{t.__qualname__}"


def safe_repr(value: object, limit: int = 200) -> str:
    """repr() that never raises and stays short."""
    try:
        text = repr(value)
    except Exception:
        text = f"<unrepresentable {type_name(value)}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Immutable types copied by reference.
ATOMIC: Final[frozenset[type]] = frozenset(
    {
        int,
        float,
        complex,
        bool,
        str,
        bytes,
        type(None),
        _dt.datetime,
        _dt.date,
        _dt.time,
        _dt.timedelta,
        decimal.Decimal,
        uuid.UUID,
        range,
        Opaque,
        Redacted,
        _Missing,
    }
)

_CONTAINERS: Final = frozenset({dict, list, tuple, set, frozenset})

def numpy_module() -> Any:
    """numpy if the app has imported it (we never import it ourselves to copy or compare)."""
    return sys.modules.get("numpy")


def pandas_module() -> Any:
    return sys.modules.get("pandas")


def is_ndarray(value: object) -> bool:
    np = numpy_module()
    return np is not None and isinstance(value, np.ndarray)


def is_pandas(value: object) -> bool:
    pd = pandas_module()
    return pd is not None and isinstance(value, (pd.DataFrame, pd.Series))
