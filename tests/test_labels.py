"""Human words for frames: what the panel, the viewer and the terminal UI call each action."""

from __future__ import annotations

import doctest

import timetravel.labels as labels
from timetravel import MISSING, Change, Frame
from timetravel.labels import change_words, frame_title, plural


def frame(trigger: str | None, label: str | None = None, *changes: Change, **kw: object) -> Frame:
    return Frame(1, 0.0, trigger, label, None, tuple(changes), **kw)  # type: ignore[arg-type]


def test_module_examples_run() -> None:
    assert doctest.testmod(labels).failed == 0


def test_plural_is_right_for_one_and_not_one() -> None:
    assert plural(0, "change") == "0 changes"
    assert plural(1, "change") == "1 change"
    assert plural(2, "change") == "2 changes"
    assert plural(1_000, "frame") == "1,000 frames"
    assert plural(2, "branch", "branches") == "2 branches"


def test_titles_prefer_the_label_and_read_triggers_as_words() -> None:
    assert frame_title(frame("done_1", "Toggle 'walk dog'")) == "Toggle 'walk dog'"
    assert frame_title(frame("initial")) == "Start"
    assert frame_title(frame("rerun")) == "Rerun"
    assert frame_title(frame(None)) == "Capture"
    assert frame_title(frame("form:new_todo")) == "Submit new_todo"
    assert frame_title(frame("undo", None, restores=3)) == "Undo"
    assert frame_title(frame("redo", None, restores=4)) == "Redo"
    assert frame_title(frame("jump", None, restores=7)) == "Jump to #7"


def test_titles_are_safe_for_a_terminal_and_bounded() -> None:
    title = frame_title(frame("k", "\x1b]0;owned\x07" + "x" * 500))
    assert "\x1b" not in title and "\x07" not in title
    assert len(title) < 120


def test_change_words_say_what_changed() -> None:
    one = Change(("count",), "changed", 1, 2)
    assert change_words(frame("k", None, one)) == "count: 1 → 2"
    added = Change(("todos", 2), "added", MISSING, {"t": "x"}, "iterable_item_added")
    assert change_words(frame("k", None, added)) == "+ todos[2]"
    gone = Change(("todos", 0), "removed", {"t": "x"}, MISSING, "iterable_item_removed")
    assert change_words(frame("k", None, gone)) == "- todos[0]"
    tag = Change(("tags",), "added", MISSING, "red", "set_item_added")
    assert change_words(frame("k", None, tag)) == "tags +'red'"
    many = [Change((k,), "changed", 0, 1) for k in "abcde"]
    assert change_words(frame("k", None, *many)) == "5 changes in a, b, c +2"
    assert change_words(frame("k", None)) == "no change"


def test_change_words_are_cut() -> None:
    big = Change(("k" * 300,), "changed", "a" * 1000, "b" * 1000)
    assert len(change_words(frame("k", None, big), limit=60)) == 60


def test_elapsed_reads_as_time_since_the_first_frame() -> None:
    from timetravel.labels import elapsed

    assert elapsed(0) == "+0.000s"
    assert elapsed(62.5) == "+1m02.5s"
    assert elapsed(3723) == "+1h02m03s"
    assert elapsed(-0.5) == "-0.500s"
    assert elapsed(float("nan")) == "?" and elapsed(float("inf")) == "?"  # a hostile file's
