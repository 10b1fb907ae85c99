"""Value and time formatting, and the thread-safe source's scans."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from timetravel import MISSING, REDACTED, ObjectRecord, Opaque, QueryError, Recording, parse_query
from timetravel_tui.formatting import (
    ValueStyles,
    container_summary,
    format_elapsed,
    is_container,
    short_repr,
    value_text,
)
from timetravel_tui.source import SCAN_CHUNK, RecordingSource, frame_matches
from timetravel_tui.widgets.rowlist import fit

from ..conftest import values


def test_format_elapsed() -> None:
    assert format_elapsed(0) == "+0.000s"
    assert format_elapsed(1.25) == "+1.250s"
    assert format_elapsed(62.5) == "+1m02.5s"
    assert format_elapsed(3723) == "+1h02m03s"
    assert format_elapsed(-0.5) == "-0.500s"


def test_stand_ins_are_marked() -> None:
    assert short_repr(REDACTED) == "<redacted>"
    assert short_repr(Opaque("sqlite3.Connection", "<sqlite3.Connection object>")) == (
        "⟨opaque sqlite3.Connection⟩"
    )
    record = ObjectRecord("app.Color", {"name": "RED", "value": 1})
    assert short_repr(record) == "⟨object app.Color⟩(name='RED', value=1)"
    mixed = {"k": REDACTED, "c": Opaque("x.Y", "r")}
    assert short_repr(mixed) == "{'k': <redacted>, 'c': ⟨opaque x.Y⟩}"
    assert short_repr(MISSING) == "<missing>"


def test_containers() -> None:
    assert short_repr([1, (2,), {3}, frozenset()]) == "[1, (2,), {3}, frozenset()]"
    assert container_summary([1]) == "list · 1 item"
    assert container_summary({"a": 1, "b": 2}) == "dict · 2 keys"
    assert container_summary(ObjectRecord("m.T", {"x": 1})) == "⟨object m.T⟩ · 1 field"
    assert is_container((1, 2)) and not is_container("ab") and not is_container(ObjectRecord("T"))
    assert short_repr(dt.date(2024, 1, 2)) == "date(2024-01-02)"


def test_long_values_are_cut() -> None:
    text = short_repr(list(range(1000)), 40)
    assert len(text) <= 40 and text.endswith("…")
    cut = short_repr("x" * 500, 30)
    assert len(cut) <= 30 and cut.endswith("…(500 chars)")  # the full length is shown
    assert "\n" not in short_repr("a\nb")


@given(values)
def test_short_repr_is_one_bounded_line(value: object) -> None:
    text = short_repr(value, 50)
    assert len(text) <= 50
    assert "\n" not in text
    assert value_text(value, ValueStyles(), limit=50).plain == text


@given(st.text(max_size=30), st.integers(0, 20))
def test_fit_is_exactly_wide(text: str, width: int) -> None:
    from rich.cells import cell_len

    assert cell_len(fit(text, width)) == width
    assert cell_len(fit(text, width, right=True)) == width


def test_source_scans_match_the_recording(todo_file: Path) -> None:
    source = RecordingSource(Recording.open(todo_file, index=False))
    assert len(source) == 0 and source.first_frame is None
    assert source.refresh() == 12
    rec = Recording.open(todo_file)
    assert source.matching("todos", range(12)) == [0, 2, 4, 5]
    assert source.matching("INCREMENT", range(12)) == [6, 10]
    assert source.matching("x", range(12), cancelled=lambda: True) is None
    assert frame_matches(rec[5], "['done']")
    history = source.history(("todos", 1, "done"))
    assert [(pos, old, new) for pos, _, old, new in history] == [
        (4, MISSING, False),
        (5, False, True),
    ]
    assert source.position_of(11) == 11 and source.position_of(12) is None
    assert source.keyframes() == frozenset(rec.keyframes)
    assert source.stem == "snapshot" and source.name == "snapshot.ttrec"
    assert source.diff(2, 7) == rec.diff(2, 7)


def test_source_resolves_frame_numbers(todo_file: Path) -> None:
    source = RecordingSource(Recording.open(todo_file))
    assert [source.resolve(i) for i in (0, 11, 12, -1, -12, -13)] == [0, 11, None, 11, 0, None]
    assert source.describe_range() == "frames go from 0 to 11"


def test_source_search_in_stretches_finds_what_one_search_finds(big_file: Path) -> None:
    rec = Recording.open(big_file)
    source = RecordingSource(Recording.open(big_file))
    assert len(source) > 4 * SCAN_CHUNK
    # Text, a path under which values change (the running state is rebuilt at each stretch)
    # and a predicate.
    for query in ("t3", "$items", "items[7].qty > 19000"):
        stretches = list(source.search(parse_query(query), len(source)))
        assert [done for done, _ in stretches][-1] == len(source)
        assert all(b - a <= SCAN_CHUNK for (a, _), (b, _) in pairwise([(0, []), *stretches]))
        found = [(m.position, m.paths) for _, ms in stretches for m in ms]
        assert found == [(m.position, m.paths) for m in rec.search(query)], query
    with pytest.raises(QueryError):
        next(source.search("todos[", len(source)))
