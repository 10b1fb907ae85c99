"""Long strings are recorded as splices: small frames, exact history, in memory and in files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timetravel as tt
from timetravel._codec import DecodeError, decode, encode
from timetravel.kinds.text import SPLICE_FROM, Splice, TextKind

KIND = TextKind()
# Long texts from a short random unit repeated (cheap to generate), with random edits below.
texts = st.builds(
    lambda unit, n: (unit * (n // len(unit) + 1))[:n],
    st.text(alphabet="abc\u00e9\U0001f600", min_size=1, max_size=30),
    st.integers(SPLICE_FROM, 3000),
)


@st.composite
def edits(draw: st.DrawFn) -> tuple[str, str]:
    old = draw(texts)
    start = draw(st.integers(0, len(old)))
    end = draw(st.integers(start, len(old)))
    insert = draw(st.text(alphabet="abcXYZ", max_size=50))
    return old, old[:start] + insert + old[end:]


@given(edits())
def test_a_splice_turns_old_into_new_and_back(pair: tuple[str, str]) -> None:
    old, new = pair
    parts = KIND.diff(old, new) if old != new else []
    if parts is None:  # rewritten wholesale: recorded whole
        return
    text = old
    for loc, was, now in parts:
        text = loc.put(text, now, was)
    assert text == new
    for loc, was, now in reversed(parts):
        text = loc.put(text, was, now)
    assert text == old


def test_middle_edit_of_a_megabyte_text_stores_a_few_bytes(tmp_path: Path) -> None:
    doc = "lorem ipsum " * 90_000  # about 1 MB
    state = {"doc": doc}
    path = tmp_path / "text.ttrec"
    with tt.Recorder(state, sink=path) as rec:
        rec.capture()
        state["doc"] = doc[:500_000] + "EDITED" + doc[500_010:]
        frame = rec.capture()
        assert frame is not None
        (change,) = frame.changes
        assert isinstance(change.path[-1], Splice)
        assert len(encode([change.old, change.new])) < 100
    before = path.stat().st_size
    rec2 = tt.Recorder(state, sink=tmp_path / "two.ttrec")
    rec2.capture()
    size0 = (tmp_path / "two.ttrec").stat().st_size
    state["doc"] = state["doc"][:1000] + "x" + state["doc"][1000:]
    rec2.capture()
    rec2.close()
    assert (tmp_path / "two.ttrec").stat().st_size - size0 <= 4096
    recording = tt.Recording.open(path)
    assert recording.state_at(0)["doc"] == doc
    assert recording.state_at(1)["doc"] == doc[:500_000] + "EDITED" + doc[500_010:]
    assert before > 0


@settings(max_examples=30, deadline=None)
@given(st.lists(edits(), min_size=1, max_size=4), st.data())
def test_history_of_edits_restores_at_any_distance(
    chain: list[tuple[str, str]], data: st.DataObject
) -> None:
    base = chain[0][0]
    versions = [base]
    for _, new in chain:  # each edit applied to the latest text (same positions, new text)
        prev = versions[-1]
        cut = min(len(prev), len(new))
        versions.append(new[:cut] + prev[cut:])
    state = {"doc": versions[0]}
    rec = tt.Recorder(state)
    rec.capture()
    for v in versions[1:]:
        state["doc"] = v
        rec.capture()
    target = data.draw(st.integers(0, len(rec.frames) - 1))
    rec.jump(rec.frames[target].index)
    assert state["doc"] == rec.state_at(rec.frames[target].index)["doc"]
    if state["doc"] != versions[-1]:  # a jump that changed nothing is not a step
        rec.undo()  # back to where it was before the jump
        assert state["doc"] == versions[-1]


@pytest.mark.parametrize("args", [[], [-1], ["3"], [1, 2], [True], [1 << 50]])
def test_a_hostile_splice_is_refused(args: list[object]) -> None:
    with pytest.raises(DecodeError):
        decode(encode(Splice(0)).replace(encode([0])[1:], encode(args)[1:], 1))
    with pytest.raises(ValueError):
        Splice.from_args(args)


def test_a_splice_that_does_not_fit_the_text_is_an_error() -> None:
    with pytest.raises(IndexError):
        Splice(10).put("short", "x", "longer than the rest")
