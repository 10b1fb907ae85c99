"""JSON views of recorded values, as `timetravel export` and the TUI's export write them."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import uuid

import numpy as np
import pandas as pd

from timetravel import MISSING, REDACTED, Change, ObjectRecord, Opaque
from timetravel.jsonable import change_to_json, to_json


def test_every_recorded_type_becomes_plain_json() -> None:
    value = {
        "text": "x",
        "n": 3,
        "f": 1.5,
        "nan": math.nan,
        "inf": -math.inf,
        (1, 2): "tuple key",
        "items": (1, [2, {3}]),
        "tags": {"b", "a"},
        "blob": b"\x00\x01",
        "c": 1 + 2j,
        "when": dt.datetime(2026, 11, 24, 10, 30),
        "day": dt.date(2026, 1, 2),
        "gap": dt.timedelta(minutes=1),
        "money": decimal.Decimal("1.10"),
        "id": uuid.UUID(int=1),
        "secret": REDACTED,
        "conn": Opaque("sqlite3.Connection", "<conn>"),
        "obj": ObjectRecord("app.Point", {"x": 1}),
        "arr": np.arange(3),
        "df": pd.DataFrame({"a": [1, 2]}),
    }
    out = to_json(value)
    text = json.dumps(out, allow_nan=False)  # strict JSON: no NaN or Infinity literals
    back = json.loads(text)
    assert back["nan"] == {"$float": "nan"} and back["inf"] == {"$float": "-inf"}
    assert back["(1, 2)"] == "tuple key"
    assert back["items"] == [1, [2, [3]]] and back["tags"] == ["a", "b"]
    assert back["blob"] == {"$bytes": "AAE="}
    assert back["when"] == "2026-11-24T10:30:00" and back["money"] == "1.10"
    assert back["secret"] == {"$redacted": True}
    assert back["conn"] == {"$opaque": "sqlite3.Connection", "repr": "<conn>"}
    assert back["obj"] == {"$object": "app.Point", "fields": {"x": 1}}
    assert back["arr"]["data"] == [0, 1, 2]
    assert back["df"]["$dataframe"]["data"] == [[1], [2]]


def test_changes_leave_out_missing_sides() -> None:
    added = change_to_json(Change.make(("a", 0), "iterable_item_added", MISSING, {"x": 1}))
    assert added == {
        "path": ["a", 0],
        "kind": "added",
        "action": "iterable_item_added",
        "new": {"x": 1},
    }
    removed = change_to_json(Change.make(("a",), "dictionary_item_removed", 5, MISSING))
    assert "new" not in removed and removed["old"] == 5
