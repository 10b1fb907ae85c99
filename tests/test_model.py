"""Frames and changes as users read them."""

from __future__ import annotations

from timetravel import MISSING, Change, Frame, format_path


def test_format_path() -> None:
    assert format_path(("todos", 3, "done")) == "todos[3]['done']"
    assert format_path(("count",)) == "count"


def test_change_reads_well() -> None:
    assert str(Change.make(("a",), "dictionary_item_added", MISSING, 1)) == "+ a = 1"
    assert str(Change.make(("a", 0), "iterable_item_removed", "x", MISSING)) == "- a[0] (was 'x')"
    assert str(Change.make(("a",), "values_changed", 1, 2)) == "~ a: 1 -> 2"


def test_frame_helpers() -> None:
    frame = Frame(
        3,
        0.0,
        "undo",
        None,
        None,
        (
            Change.make(("b", 1), "values_changed", 1, 2),
            Change.make(("a",), "values_changed", 1, 2),
            Change.make(("b", 2), "values_changed", 1, 2),
        ),
        1,
    )
    assert frame.is_restore and frame.keys == ("b", "a")


def test_frame_as_deepdiff_delta_applies_and_reverts() -> None:
    frame = Frame(
        1,
        0.0,
        None,
        None,
        None,
        (
            Change.make(("items", 1), "iterable_item_removed", "b", MISSING),
            Change.make(("n",), "values_changed", 1, 2),
            Change.make(("new",), "dictionary_item_added", MISSING, {"x": 1}),
        ),
    )
    before = {"items": ["a", "b"], "n": 1}
    after = before + frame.to_delta()
    assert after == {"items": ["a"], "n": 2, "new": {"x": 1}}
    assert after - frame.to_delta() == before
