"""Plain-JSON views of recorded values, for ``timetravel export`` and viewers."""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import enum
import math
import uuid
from collections.abc import Hashable
from typing import Any

from .kinds import Locator, kind_of
from .model import Change, Frame
from .values import (
    MISSING,
    ObjectRecord,
    Opaque,
    Redacted,
    safe_repr,
    type_name,
)

__all__ = ["change_to_json", "frame_to_json", "to_json"]


def _key(key: Hashable) -> str:
    return key if isinstance(key, str) else repr(key)


def to_json(value: Any) -> Any:
    """``value`` as JSON-ready data. Types JSON lacks become ``{"$type": ...}`` objects."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) and not isinstance(value, enum.Enum):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, dict):
        return {_key(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [to_json(v) for v in value]
        try:
            items.sort()
        except TypeError:
            items.sort(key=repr)
        return items
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, complex):
        return {"$complex": [to_json(value.real), to_json(value.imag)]}
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return {"$timedelta": value.total_seconds()}
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, Redacted):
        return {"$redacted": True}
    if isinstance(value, Opaque):
        return {"$opaque": value.type, "repr": value.repr}
    if isinstance(value, ObjectRecord):
        return {"$object": value.type, "fields": to_json(value.fields)}
    if isinstance(value, enum.Enum):
        return {
            "$object": type_name(value),
            "fields": {"name": value.name, "value": to_json(value.value)},
        }
    if isinstance(value, Locator):
        return {"$locator": value.name, "args": to_json(value.args())}
    kind = kind_of(value)
    if kind is not None:
        return kind.to_json(value, to_json)
    return {"$opaque": type_name(value), "repr": safe_repr(value)}


def change_to_json(change: Change) -> dict[str, Any]:
    """One change as a JSON object (``old``/``new`` left out where there is no value)."""
    out: dict[str, Any] = {
        "path": [to_json(p) for p in change.path],
        "kind": change.kind,
        "action": change.action,
    }
    if change.old is not MISSING:
        out["old"] = to_json(change.old)
    if change.new is not MISSING:
        out["new"] = to_json(change.new)
    return out


def frame_to_json(frame: Frame) -> dict[str, Any]:
    """One frame as a JSON object."""
    return {
        "index": frame.index,
        "time": frame.time,
        "trigger": frame.trigger,
        "label": frame.label,
        "page": frame.page,
        "restores": frame.restores,
        "changes": [change_to_json(c) for c in frame.changes],
    }
