"""Value kinds, registered in one place: which :class:`~timetravel.kinds.base.Kind` handles
a value, which one reads an extension code, which locator class a file's name stands for.

Plain Python values (dicts, lists, tuples, sets, scalars) are handled inline by the
recorder and the codec; kinds cover everything else. To support a new type, write a module
with a :class:`~timetravel.kinds.base.Kind` subclass and add it to :data:`KINDS` (or call
:func:`register`).
"""

from __future__ import annotations

from typing import Any

from .base import EncodeContext, Kind, Located, Locator
from .numpy import NumpyKind
from .objects import ObjectsKind
from .opaque import OpaqueKind
from .pandas import PandasKind
from .text import TextKind

__all__ = [
    "KINDS",
    "EncodeContext",
    "Kind",
    "Located",
    "Locator",
    "by_code",
    "kind_of",
    "locator_named",
    "register",
]

#: The registered kinds, asked in order.
KINDS: list[Kind] = [TextKind(), NumpyKind(), PandasKind(), OpaqueKind(), ObjectsKind()]

_by_type: dict[type, Kind | None] = {}
_by_code: dict[int, Kind] = {}
_locators: dict[str, type[Locator]] = {}


def register(kind: Kind, *, first: bool = False) -> None:
    """Add a kind (before the others when ``first``). Its codes and locator names must be
    new: a file's extension code or locator name always means one thing."""
    for code in kind.codes:
        if code in _by_code and _by_code[code] is not kind:
            raise ValueError(f"extension code {code} already belongs to {_by_code[code].name}")
    for loc in kind.locators:
        if loc.name in _locators and _locators[loc.name] is not loc:
            raise ValueError(f"locator name {loc.name!r} is already registered")
    if kind not in KINDS:
        # Before the catch-all objects kind, unless asked to go first.
        KINDS.insert(0 if first else len(KINDS) - 1, kind)
    for code in kind.codes:
        _by_code[code] = kind
    for loc in kind.locators:
        _locators[loc.name] = loc
    _by_type.clear()


for _kind in list(KINDS):
    register(_kind)


def kind_of(value: Any) -> Kind | None:
    """The kind that handles ``value``, or None (cached per type)."""
    t = type(value)
    try:
        return _by_type[t]
    except KeyError:
        pass
    found = next((k for k in KINDS if k.claims(value)), None)
    _by_type[t] = found
    return found


def by_code(code: int) -> Kind | None:
    """The kind that reads extension ``code``."""
    return _by_code.get(code)


def locator_named(name: str) -> type[Locator] | None:
    """The locator class files name ``name``."""
    return _locators.get(name)
