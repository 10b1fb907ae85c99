"""Values that can't be copied or written (connections, locks, functions): kept as their type
name and repr, tracked by identity in the recorder's shadow, never restored."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Final

from .._records import Opaque, safe_repr, type_name
from .base import EncodeContext, Kind
from .objects import object_fields

EXT_OPAQUE = 15

# Handles that deepcopy would share or fail on: always tracked by identity.
HANDLE_TYPES: Final = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
    types.GeneratorType,
    types.CoroutineType,
    type,
)


def attr_names(value: object) -> tuple[str, ...]:
    """A value's attribute names, which tell a writer whether its repr may show a secret."""
    if isinstance(value, HANDLE_TYPES):
        return ()
    try:
        fields = object_fields(value)
    except Exception:
        return ()
    return tuple(k for k in fields if isinstance(k, str)) if fields else ()


def make_opaque(value: object) -> Opaque:
    """``value`` as an :class:`Opaque` record (its repr is withheld when written if it may
    show a secret)."""
    return Opaque(type_name(value), safe_repr(value), attr_names(value))


class OpaqueKind(Kind):
    """:class:`Opaque` records, and handles (functions, modules, classes) seen as values."""

    name = "opaque"
    codes = (EXT_OPAQUE,)

    def claims(self, value: Any) -> bool:
        return type(value) is Opaque or isinstance(value, HANDLE_TYPES)

    def copy(self, value: Any, copy_item: Callable[[Any], Any]) -> Any:
        if type(value) is Opaque:
            return value
        raise TypeError("a handle is tracked by identity")

    def equal(self, a: Any, b: Any, equal_item: Callable[[Any, Any], bool]) -> bool:
        return bool(a == b) if type(a) is Opaque else a is b

    def encode(self, value: Any, ctx: EncodeContext) -> tuple[int, Any] | None:
        if type(value) is Opaque:
            return EXT_OPAQUE, [value.type, ctx.opaque_repr(value.repr, value.attrs)]
        return EXT_OPAQUE, [type_name(value), ctx.opaque_repr(safe_repr(value))]

    def decode(self, code: int, payload: Any) -> Any:
        if not (isinstance(payload, list) and len(payload) == 2):
            raise ValueError("an opaque record is not a [type, repr] array")
        return Opaque(str(payload[0]), str(payload[1]))

    def to_json(self, value: Any, to_json: Callable[[Any], Any]) -> Any:
        if type(value) is Opaque:
            return {"$opaque": value.type, "repr": value.repr}
        return super().to_json(value, to_json)
