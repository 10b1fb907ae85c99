"""The diff engine: rows that turn one state into another, applied both ways."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from deepdiff import Delta
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import states, states_without_nan, values_without_nan
from timetravel._engine import Syncer, apply_changes, changed_indices
from timetravel.model import Change
from timetravel.values import MISSING, copy_value, values_equal


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    dst = copy.deepcopy(old)
    rows = Syncer(lambda v: copy_value(v, keep_refs=False)).sync_mapping(
        dst, new, list(old) + [k for k in new if k not in old]
    )
    assert values_equal(dst, new), "sync must leave dst equal to src"
    return rows


def apply(state: dict[str, Any], rows: list[Change], inverse: bool) -> dict[str, Any]:
    out = copy.deepcopy(state)
    apply_changes(out, rows, inverse, lambda v: copy_value(v, keep_refs=False), lambda c: None)
    return out


def test_one_nested_field_is_one_row() -> None:
    old = {"todos": [{"title": "a", "done": False}, {"title": "b", "done": False}], "n": 1}
    new = copy.deepcopy(old)
    new["todos"][1]["done"] = True
    rows = diff(old, new)
    assert rows == [Change(("todos", 1, "done"), "changed", False, True, "values_changed")]


def test_keys_added_and_removed_at_any_depth() -> None:
    old = {"a": {"x": 1, "y": 2}, "gone": 3}
    new = {"a": {"x": 1, "z": 4}, "new": 5}
    by_path = {r.path: r for r in diff(old, new)}
    assert by_path[("a", "y")].kind == "removed" and by_path[("a", "y")].old == 2
    assert by_path[("a", "z")].kind == "added" and by_path[("a", "z")].new == 4
    assert by_path[("gone",)].kind == "removed"
    assert by_path[("new",)].kind == "added"


def test_appending_to_a_long_list_records_only_the_new_item() -> None:
    old = {"items": list(range(10_000))}
    new = {"items": [*range(10_000), 99]}
    assert diff(old, new) == [
        Change(("items", 10_000), "added", MISSING, 99, "iterable_item_added")
    ]


def test_deleting_from_the_middle_records_one_removal() -> None:
    old = {"items": [{"id": i} for i in range(100)]}
    new = {"items": [{"id": i} for i in range(100) if i != 40]}
    rows = diff(old, new)
    assert [(r.path, r.action, r.old) for r in rows] == [
        (("items", 40), "iterable_item_removed", {"id": 40})
    ]


def test_edit_and_delete_in_one_step_pairs_the_edit() -> None:
    old = {"t": [{"done": False}, {"done": False}]}
    new = {"t": [{"done": True}]}
    rows = diff(old, new)
    assert [(r.path, r.action) for r in rows] == [
        (("t", 0, "done"), "values_changed"),
        (("t", 1), "iterable_item_removed"),
    ]


def test_sorting_a_long_list_is_one_whole_value_row() -> None:
    old = {"xs": list(range(200))}
    new = {"xs": list(reversed(range(200)))}
    rows = diff(old, new)
    assert len(rows) == 1 and rows[0].path == ("xs",) and rows[0].action == "values_changed"


def test_type_change_and_set_items() -> None:
    rows = diff({"a": 1, "s": {1, 2}}, {"a": "1", "s": {2, 3}})
    actions = sorted((r.path, r.action, r.old, r.new) for r in rows if r.path == ("s",))
    assert {r.action for r in rows if r.path == ("a",)} == {"type_changes"}
    assert len(actions) == 2
    assert {a[1] for a in actions} == {"set_item_added", "set_item_removed"}


def test_nan_is_not_a_change() -> None:
    assert (
        diff({"x": float("nan"), "l": [float("nan")]}, {"x": float("nan"), "l": [float("nan")]})
        == []
    )


def test_numpy_arrays_inside_lists() -> None:
    np = pytest.importorskip("numpy")
    old = {"arrs": [np.arange(5), np.zeros(3)]}
    new = {"arrs": [np.arange(5), np.ones(3)]}
    rows = diff(old, new)
    assert [r.path for r in rows] == [("arrs", 1)]
    assert (apply(old, rows, False)["arrs"][1] == np.ones(3)).all()


def test_changed_indices_finds_every_difference() -> None:
    a = list(range(5000))
    b = list(a)
    for i in (0, 1, 63, 64, 2500, 4999):
        b[i] = -1
    assert changed_indices(a, b) == [0, 1, 63, 64, 2500, 4999]


@given(states, states)
def test_rows_turn_old_into_new_and_back(old: dict[str, Any], new: dict[str, Any]) -> None:
    rows = diff(old, new)
    assert values_equal(apply(old, rows, inverse=False), new)
    assert values_equal(apply(new, rows, inverse=True), old)
    if values_equal(old, new):
        assert rows == []


@given(states_without_nan, st.data())
def test_rows_match_deepdiff_delta(old: dict[str, Any], data: st.DataObject) -> None:
    """Applied by deepdiff's own Delta, the rows give the same result as applied here."""
    new = copy.deepcopy(old)
    # Mutate a few places so the rows exercise lists, dicts and sets together.
    for _ in range(data.draw(st.integers(1, 4))):
        key = data.draw(st.sampled_from([*new, "fresh"]))
        new[key] = data.draw(values_without_nan)
    rows = diff(old, new)
    if not rows:
        return
    delta = Delta(
        flat_rows_list=[r.to_flat_row() for r in rows], bidirectional=True, raise_errors=True
    )
    forward = copy.deepcopy(old) + delta
    assert values_equal(forward, new)
    assert values_equal(forward - delta, old)
