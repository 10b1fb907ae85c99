"""Objects of the app's own classes: dataclasses, attrs classes, namedtuples, enums and plain
objects, compared and recorded by their fields.

Files never name a class that gets imported: such objects are written as records of their
type name and fields and read back as :class:`~timetravel.values.ObjectRecord`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import threading
from collections.abc import Callable
from typing import Any

from .._records import MISSING, REDACTED, ObjectRecord, type_name
from .base import EncodeContext, Kind

EXT_OBJECT = 14

# Instances of these (and their subclasses, other than namedtuples and enums) are the
# codec's own business: their content is written, not their class.
_BUILTIN_BASES = (dict, list, tuple, set, frozenset, str, bytes, bytearray, int, float,
                  complex, _dt.date, _dt.time, _dt.timedelta)


def object_fields(value: object) -> dict[str, Any] | None:
    """The attributes of a plain object (``vars`` or its slots), or None if it has none."""
    try:
        return dict(vars(value))
    except TypeError:
        pass
    slots = [s for cls in type(value).__mro__ for s in getattr(cls, "__slots__", ())]
    if not slots:
        return None
    return {s: getattr(value, s, MISSING) for s in slots if isinstance(s, str)}


def default_eq(t: type) -> bool:
    """True if instances of ``t`` compare by identity (no ``__eq__`` of their own)."""
    return getattr(t, "__eq__", None) is object.__eq__


# Pairs of objects whose fields are being compared, per thread: an object that refers back
# to itself is taken as equal at the repeat (its other fields still decide).
_local = threading.local()


def fields_equal(a: object, b: object, equal_item: Callable[[Any, Any], bool]) -> bool:
    """Objects without ``__eq__`` of their own are equal if their fields are."""
    comparing: set[tuple[int, int]] | None = getattr(_local, "comparing", None)
    if comparing is None:
        comparing = _local.comparing = set()
    pair = (id(a), id(b))
    if pair in comparing:
        return True
    try:  # the usual case, in C: fields equal by == (shared or equal scalars)
        if vars(a) == vars(b):
            return True
    except Exception:
        pass
    fa, fb = object_fields(a), object_fields(b)
    if fa is None or fb is None:
        return False
    comparing.add(pair)
    try:
        return equal_item(fa, fb)
    finally:
        comparing.discard(pair)


def _is_namedtuple(value: object) -> bool:
    return isinstance(value, tuple) and hasattr(value, "_asdict")


class ObjectsKind(Kind):
    """Enum members, namedtuples, dataclasses and any object with fields.

    Asked last: it claims what no other kind does, except the plain containers and scalars
    (and their subclasses), whose content the codec writes.
    """

    name = "objects"
    codes = (EXT_OBJECT,)

    def claims(self, value: Any) -> bool:
        if isinstance(value, (enum.Enum, ObjectRecord)) or _is_namedtuple(value):
            return True
        return not isinstance(value, _BUILTIN_BASES) and not callable(value)

    def copy(self, value: Any, copy_item: Callable[[Any], Any]) -> Any:
        if isinstance(value, enum.Enum):
            return value
        if type(value) is ObjectRecord:
            return ObjectRecord(value.type, copy_item(value.fields))
        import copy

        return copy.deepcopy(value)  # raises for what can't be copied: it stays opaque

    def equal(self, a: Any, b: Any, equal_item: Callable[[Any, Any], bool]) -> bool:
        try:
            result = a == b
            if type(result) is bool and (result or not default_eq(type(a))):
                return result
        except Exception:
            pass
        return default_eq(type(a)) and fields_equal(a, b, equal_item)

    def encode(self, value: Any, ctx: EncodeContext) -> tuple[int, Any] | None:
        if type(value) is ObjectRecord:
            return EXT_OBJECT, [value.type, ctx.scrub(value.fields)]
        if isinstance(value, enum.Enum):
            # A member named like a secret (Keys.API_KEY) keeps its name, not its value.
            secret = ctx.is_secret(value.name)
            member = REDACTED if secret else ctx.scrub(value.value)
            return EXT_OBJECT, [type_name(value), {"name": value.name, "value": member}]
        if _is_namedtuple(value):
            fields: dict[Any, Any] | None = dict(value._asdict())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {f.name: getattr(value, f.name, MISSING) for f in dataclasses.fields(value)}
        else:
            fields = object_fields(value)
        if fields is None:
            return None  # nothing readable to write: opaque
        return EXT_OBJECT, [type_name(value), ctx.scrub(fields)]

    def decode(self, code: int, payload: Any) -> Any:
        if not (isinstance(payload, list) and len(payload) == 2):
            raise ValueError("an object record is not a [type, fields] array")
        if not isinstance(payload[1], dict):
            raise ValueError("object record without fields")
        return ObjectRecord(str(payload[0]), payload[1])

    def to_json(self, value: Any, to_json: Callable[[Any], Any]) -> Any:
        if type(value) is ObjectRecord:
            return {"$object": value.type, "fields": to_json(value.fields)}
        if isinstance(value, enum.Enum):
            fields = {"name": value.name, "value": to_json(value.value)}
            return {"$object": type_name(value), "fields": fields}
        return super().to_json(value, to_json)
