"""Search across time (issue 12): query syntax, what counts as a match, streaming, damaged and
hostile files, and a property test against a brute-force oracle over whole states."""

from __future__ import annotations

import copy
import random
import re
import struct
from collections import Counter
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timetravel.recording as recording_module
from tests.test_recording import payloads, rewrite_frames
from timetravel import (
    Match,
    Query,
    QueryError,
    Recorder,
    Recording,
    RecordingError,
    parse_query,
)
from timetravel._format import KIND_FRAME
from timetravel.search import ANY, MAX_PATHS, REGEX_LIMIT

# --- helpers ------------------------------------------------------------------------------------


def record(path: Path, states: Sequence[dict[str, Any] | str], **kwargs: Any) -> Recording:
    """A recording of ``states``, one capture each (a string "undo"/"redo" restores)."""
    state: dict[str, Any] = {}
    kwargs.setdefault("redact", None)
    with Recorder(state, sink=path, **kwargs) as rec:
        for s in states:
            if s == "undo":
                rec.undo()
            elif s == "redo":
                rec.redo()
            elif isinstance(s, dict):
                state.clear()
                state.update(copy.deepcopy(s))
                rec.capture()
    return Recording.open(path)


def found(rec: Recording, query: Any, **kwargs: Any) -> list[int]:
    return [m.position for m in rec.search(query, **kwargs)]


# --- syntax -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "steps", "op", "operand"),
    [
        ("milk", "text", (), None, None),
        ("  Milk ", "text", (), None, None),
        ("buy milk", "text", (), None, None),
        ("count", "text", (), None, None),  # a bare word is text
        ("3.14", "text", (), None, None),
        ("hello!", "text", (), None, None),
        ("a = b", "text", (), None, None),  # "=" alone is no operator
        ('"user.name"', "text", (), None, None),  # one quoted string: text
        ("$count", "path", ("count",), None, None),
        ("user.name", "path", ("user", "name"), None, None),
        ("todos[0]", "path", ("todos", 0), None, None),
        ("todos[*].title", "path", ("todos", ANY, "title"), None, None),
        ("todos.*.title", "path", ("todos", ANY, "title"), None, None),
        ("*.title", "path", (ANY, "title"), None, None),
        ('["dark mode"]', "path", ("dark mode",), None, None),
        ("$'dark mode'.x", "path", ("dark mode", "x"), None, None),
        ("dark-mode.on", "path", ("dark-mode", "on"), None, None),
        ('todos[*].title == "buy milk"', "path", ("todos", ANY, "title"), "==", "buy milk"),
        ("count > 10", "path", ("count",), ">", 10),
        ("count>=10", "path", ("count",), ">=", 10),
        ("count < 1.5", "path", ("count",), "<", 1.5),
        ("count <= -2", "path", ("count",), "<=", -2),
        ('settings["dark mode"] != true', "path", ("settings", "dark mode"), "!=", True),
        ("x == false", "path", ("x",), "==", False),
        ("x == null", "path", ("x",), "==", None),
        ("x == None", "path", ("x",), "==", None),
        ("x == [1, 'a']", "path", ("x",), "==", [1, "a"]),
        ("x[ 2 ][ 'k' ] == (1,)", "path", ("x", 2, "k"), "==", (1,)),
    ],
)
def test_each_form_reads_as_documented(
    text: str, kind: str, steps: tuple[Hashable, ...], op: str | None, operand: Any
) -> None:
    q = parse_query(text)
    assert (q.kind, q.steps, q.op, q.operand, q.text) == (kind, steps, op, operand, text)
    if kind == "text":
        assert q.needle == text.strip().strip('"').casefold()


def test_regex_forms_and_flags() -> None:
    q = parse_query("/mi+lk/")
    assert q.kind == "regex" and q.pattern is not None and q.pattern.flags & re.I == 0
    q = parse_query("/mi+lk/ims")
    assert q.pattern is not None
    assert q.pattern.flags & (re.I | re.M | re.S) == re.I | re.M | re.S
    assert parse_query("/a/b/").pattern == re.compile("a/b")  # the body runs to the last /
    compiled = re.compile("MILK", re.I)
    q = parse_query(compiled)
    assert q.kind == "regex" and q.pattern is compiled and q.text == "/MILK/i"
    assert parse_query(q) is q
    tilde = parse_query("items[*] ~ /mi+lk/i")
    assert tilde.op == "~" and tilde.pattern is not None and tilde.pattern.flags & re.I
    assert parse_query('items[*] ~ "^a"').pattern == re.compile("^a")


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("todos[*.title", 'unclosed "["', 6),
        ("todos[", 'expected an index, a quoted key or * after "["', 7),
        ("milk.", 'expected a name or * after "."', 6),
        ("a.b.", 'expected a name or * after "."', 5),
        ("/abc", 'unclosed regex: "/" has no closing "/"', 1),
        ("/abc/x", 'unknown regex flag "x"', 6),
        ("//", "empty regex", 1),
        ("/(/", "bad regex: missing ), unterminated subpattern", 2),
        ("  /a(/", "bad regex", 5),
        ("count > done", "can't read the value 'done'", 9),
        ("count >", 'expected a value after ">"', 8),
        ("count > 1 2", "can't read the value '1 2'", 9),
        ("x ~ 3", '"~" takes a regex', 5),
        ("x ~ '('", "bad regex", 5),
        ("$", "expected a key name, a quoted key, [ or * after $", 2),
        ("$3", "expected a key name, a quoted key, [ or *", 2),
        ("$a b", 'expected ".", "[", an operator', 4),
        ("$'abc", "unclosed quote '", 2),
        ("a[-1]", "negative indices are not supported", 3),
        ("a[1", 'unclosed "["', 2),
    ],
)
def test_errors_say_what_and_at_which_column(text: str, message: str, column: int) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(text)
    assert message in str(info.value)
    assert f"at column {column}" in str(info.value)
    assert info.value.column == column and info.value.query == text
    assert str(info.value).startswith(f'query "{text}": ')
    assert isinstance(info.value, ValueError)


def test_the_briefs_example_message() -> None:
    with pytest.raises(QueryError, match=r'^query "todos\[\*\.title": unclosed "\[" at column 6'):
        parse_query("todos[*.title")


def test_a_path_guessed_from_its_syntax_says_how_to_search_for_the_text() -> None:
    with pytest.raises(QueryError, match="put it in quotes"):
        parse_query("milk.")
    with pytest.raises(QueryError) as info:
        parse_query("$milk.")
    assert "quotes" not in str(info.value)  # $ asked for a path


def test_empty_long_and_odd_queries() -> None:
    for text in ("", "   ", '""'):
        with pytest.raises(QueryError, match="empty query"):
            parse_query(text)
    with pytest.raises(QueryError, match="longer than"):
        parse_query("a" * 20_000)
    with pytest.raises(QueryError, match="bytes pattern"):
        parse_query(re.compile(b"x"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_query(3)  # type: ignore[arg-type]
    # Never eval: a call is not a literal.
    with pytest.raises(QueryError, match="can't read the value"):
        parse_query("x == __import__('os').getcwd()")


def test_predicates() -> None:
    assert parse_query("$x == 1").value_matches(1)
    assert parse_query("$x == 1").value_matches(1.0)
    assert not parse_query("$x == 1").value_matches(True)  # a bool equals only a bool
    assert not parse_query("$x == true").value_matches(1)
    assert parse_query("$x != true").value_matches(1)
    assert not parse_query("$x > 0").value_matches(True)
    assert parse_query("$x == true").value_matches(True)
    assert not parse_query("$x > 3").value_matches("a")  # TypeError: false
    assert not parse_query('$x < "b"').value_matches(3)
    assert parse_query('$x < "b"').value_matches("a")
    assert parse_query("$x ~ '^mi+lk$'").value_matches("miilk")
    assert parse_query("$x ~ '1'").value_matches(12)  # the value's text
    assert not parse_query("$x ~ '1'").value_matches([1])
    assert parse_query("$x == [1, 2]").value_matches([1, 2])
    assert parse_query("$x").value_matches({"any": "thing"})
    from timetravel import REDACTED, ObjectRecord, Opaque

    for stand_in in (REDACTED, Opaque("T", "milk"), ObjectRecord("T", {"a": "milk"})):
        assert parse_query("$x").value_matches(stand_in)  # it is there
        for q in ("$x != 1", "$x == 'milk'", "$x ~ 'milk'", "$x > 0"):
            assert not parse_query(q).value_matches(stand_in)
        assert not parse_query("milk").value_matches(stand_in)


def test_text_and_regex_targets() -> None:
    q = parse_query("MILK")
    assert q.value_matches("buy milk") and q.value_matches(b"milk\xff")
    assert not q.value_matches(["milk"])  # containers are walked, not matched
    assert q.key_matches("Milk") and not q.key_matches(0)
    assert parse_query("1").value_matches(12) and parse_query("true").value_matches(True)
    assert parse_query("none").value_matches(None)
    r = parse_query("/^b/")
    assert r.value_matches("ba") and not r.value_matches("ab")
    assert not parse_query("$a.b").key_matches("a")


# --- what matches ---------------------------------------------------------------------------


def test_appeared_changed_disappeared(tmp_path: Path) -> None:
    rec = record(
        tmp_path / "r.ttrec",
        [
            {"todos": []},
            {"todos": [{"title": "buy milk", "done": False}]},  # 1: appeared
            {"todos": [{"title": "buy milk", "done": True}]},  # 2: not about milk
            {"todos": [{"title": "buy oat milk", "done": True}]},  # 3: changed
            {"todos": [{"title": "eggs", "done": True}]},  # 4: disappeared
            {"todos": []},  # 5: no milk anywhere
        ],
    )
    matches = list(rec.search("milk"))
    assert [(m.position, m.how, m.paths) for m in matches] == [
        (1, "appeared", (("todos", 0),)),
        (3, "changed", (("todos", 0, "title"),)),
        (4, "disappeared", (("todos", 0, "title"),)),
    ]
    assert all(isinstance(m, Match) and m.index == m.frame.index == m.position for m in matches)
    assert found(rec, 'todos[*].title == "buy milk"') == [1, 3]
    assert found(rec, "todos[*].done == true") == [2, 5]
    assert found(rec, "done") == [1, 2, 5]  # the key: appeared, its value changed, gone
    assert found(rec, "$todos") == [0, 1, 2, 3, 4, 5]  # the whole list, every change in it
    assert found(rec, "$todos[0]") == [1, 2, 3, 4, 5]


def test_shifting_indices_does_not_match(tmp_path: Path) -> None:
    milk = {"title": "buy milk"}
    rec = record(
        tmp_path / "r.ttrec",
        [
            {"todos": [{"title": "bread"}, milk]},
            {"todos": [milk]},  # 1: another todo deleted, milk moves up
            {"todos": [{"title": "eggs"}, {"title": "jam"}, milk]},  # 2: two inserted before
            {"todos": [{"title": "eggs"}, milk, {"title": "jam"}]},  # 3: reordered
            {"todos": [{"title": "eggs"}, milk, milk, {"title": "jam"}]},  # 4: one more milk
        ],
    )
    assert found(rec, "milk") == [0, 4]
    assert found(rec, "todos[*].title ~ 'milk'") == [0, 4]
    # An index named in the query is a place: what moves in or out of it counts.
    assert found(rec, "todos[1].title") == [0, 1, 2, 3]  # 4: still the same milk there
    assert found(rec, "todos[1].title ~ 'milk'") == [0, 1, 3]
    assert found(rec, "todos[0].title ~ 'milk'") == [1, 2]


def test_redacted_values_never_match(tmp_path: Path) -> None:
    rec = record(
        tmp_path / "r.ttrec",
        [
            {"user": {"name": "ann", "password": "milk"}},
            {"user": {"name": "ann", "password": "milk2"}},
            {"user": {"name": "milk", "password": "x"}},
            {"user": {"name": "milk"}, "api_key": "milkmilk"},
        ],
        redact=("password", "api_key"),
    )
    assert found(rec, "milk") == [2]
    assert found(rec, "/m.lk/") == [2]
    assert found(rec, "user.password ~ 'milk'") == []
    assert found(rec, "user.password != 'x'") == []
    assert found(rec, "api_key") == [3]  # the key is no secret; what it holds is
    assert found(rec, "password") == [0, 3]  # it appeared, then went; its changes are hidden


def test_sets_and_nesting(tmp_path: Path) -> None:
    rec = record(
        tmp_path / "r.ttrec",
        [
            {"tags": {"eggs"}, "deep": {"a": {"b": [{"c": "x"}]}}},
            {"tags": {"eggs", "milk"}, "deep": {"a": {"b": [{"c": "x"}]}}},  # 1
            {"tags": {"eggs", "milk"}, "deep": {"a": {"b": [{"c": "milk"}]}}},  # 2
            {"tags": {"eggs"}, "deep": {"a": {"b": [{"c": "milk"}]}}},  # 3
            {"tags": {"eggs"}, "deep": {"a": {"b": [{"c": "milk"}, {"c": "x"}]}}},  # 4
        ],
    )
    matches = {m.position: m for m in rec.search("milk")}
    assert sorted(matches) == [1, 2, 3]
    assert matches[1].paths == (("tags",),) and matches[1].how == "appeared"
    assert matches[3].how == "disappeared"
    assert matches[2].paths == (("deep", "a", "b", 0, "c"),)
    assert found(rec, "tags[*] == 'milk'") == [1, 3]
    assert found(rec, "$tags") == [0, 1, 3]
    assert found(rec, "deep.a.b[*].c") == [0, 2, 4]
    assert found(rec, "deep.a") == [0, 2, 4]
    assert found(rec, "deep.*.b[0].c == 'milk'") == [2]


def test_restores_match_and_start_stop(tmp_path: Path) -> None:
    rec = record(
        tmp_path / "r.ttrec",
        [{"item": "bread"}, {"item": "milk"}, {"item": "eggs"}, "undo", "undo", "redo"],
    )
    assert [f.trigger for f in rec][3:] == ["undo", "undo", "redo"]
    assert found(rec, "milk") == [1, 2, 3, 4, 5]
    assert found(rec, "milk", start=2) == [2, 3, 4, 5]
    assert found(rec, "milk", start=2, stop=4) == [2, 3]
    assert found(rec, "milk", start=-2) == [4, 5]
    assert found(rec, "milk", start=10) == []


def test_the_first_frame_is_compared_with_an_empty_state(tmp_path: Path) -> None:
    rec = record(tmp_path / "r.ttrec", [{"a": "milk", "b": 1}, {"a": "milk", "b": 2}])
    (match,) = rec.search("milk")
    assert (match.position, match.paths, match.how) == (0, (("a",),), "appeared")
    # A file saved after older frames folded away starts with a frame whose changes are from
    # a state before it: the first frame is still the whole state against nothing.
    state: dict[str, Any] = {"a": "milk", "b": 0}
    rec2 = Recorder(state, limit=2, redact=None)
    rec2.capture()
    for n in range(1, 5):
        state["b"] = n
        rec2.capture()
    rec2.save(tmp_path / "folded.ttrec")
    folded = Recording.open(tmp_path / "folded.ttrec")
    assert folded.first_index == 3 and [c.path for c in folded[0].changes] == [("b",)]
    (first,) = folded.search("milk")
    assert (first.position, first.paths, first.how) == (0, (("a",),), "appeared")


def test_comparisons_that_raise_are_false(tmp_path: Path) -> None:
    rec = record(tmp_path / "r.ttrec", [{"x": "a"}, {"x": 3}, {"x": None}, {"x": 12}])
    assert found(rec, "x > 2") == [1, 2, 3]  # 3 > 2 appeared; gone; 12 > 2
    assert found(rec, 'x > "0"') == [0, 1]


def test_fingerprints_are_equality_faithful(tmp_path: Path) -> None:
    nan = float("nan")
    rec = record(
        tmp_path / "r.ttrec",
        [
            {"c": (nan, 1), "d": {"k": [1]}},
            {"c": [nan], "d": {"k": (1,)}},  # 1: whole values replaced (type changes), 1 gone
            {"c": [nan], "d": {"k": [True]}},  # 2: True is not 1
            {"c": [nan, 1.0], "d": {"k": [True]}},  # 3: 1.0 is not 1
        ],
    )
    assert [c.action for c in rec[1].changes] == ["type_changes", "type_changes"]
    assert found(rec, "nan") == [0]  # the NaN went and came back: no change
    assert found(rec, "$c[*]") == [0, 1, 3]
    assert found(rec, "$d.k[*]") == [0, 2]
    assert found(rec, "1") == [0, 1, 2, 3]  # text: "1" is in 1 and in 1.0, not in True
    assert found(rec, "$d") == [0, 1, 2]  # a tuple is not a list
    # Dicts are equal whatever their order: one that went and came back reordered is the same.
    rec = record(
        tmp_path / "o.ttrec",
        [{"c": ({"a": 1, "b": 2},)}, {"c": [{"b": 2, "a": 1}]}, {"c": [{"b": 2, "a": 3}]}],
    )
    assert list(rec.state_at(1)["c"][0]) == ["b", "a"]
    assert found(rec, "$c[*]") == [0, 2]
    assert found(rec, "$c") == [0, 1, 2]
    # Sets too: 1 and 9 collide in a small set, so the order they went in is the order out.
    one_nine, nine_one = set(), set()
    for item in (1, 9):
        one_nine.add(item)
        nine_one.add(10 - item)
    rec = record(tmp_path / "s.ttrec", [{"c": (one_nine,)}, {"c": [nine_one]}])
    assert [list(rec.state_at(p)["c"][0]) for p in (0, 1)] == [[1, 9], [9, 1]]
    assert found(rec, "$c[*]") == [0]
    assert found(rec, "$c") == [0, 1]


def test_paths_are_bounded_and_in_change_order(tmp_path: Path) -> None:
    rec = record(
        tmp_path / "r.ttrec",
        [{"l": []}, {"l": [f"milk{i}" for i in range(30)]}, {"l": [f"milk{i}" for i in range(40)]}],
    )
    matches = list(rec.search("milk"))
    assert [m.position for m in matches] == [1, 2]
    assert matches[0].paths == tuple(("l", i) for i in range(MAX_PATHS))  # of 30
    assert matches[1].paths == tuple(("l", i) for i in range(30, 40))


def test_long_text_edits_are_splices_and_match(tmp_path: Path) -> None:
    from timetravel.kinds.base import Locator

    body = "x" * 5000
    rec = record(
        tmp_path / "r.ttrec",
        [
            {"doc": body, "n": 0},
            {"doc": body[:2000] + "milk" + body[2000:], "n": 0},  # 1: a splice adds milk
            {"doc": body[:2000] + "milk" + body[2000:], "n": 1},  # 2: not about doc
            {"doc": body[:2000] + "MILK" + body[2000:], "n": 1},  # 3: milk -> MILK
            {"doc": body[:2000] + "silk" + body[2000:], "n": 2},  # 4: gone
        ],
    )
    assert isinstance(rec[1].changes[0].path[-1], Locator)  # the kind this test is about
    matches = list(rec.search("milk"))
    assert [m.position for m in matches] == [1, 3, 4]
    assert matches[0].paths == (("doc",),) and matches[0].how == "appeared"
    assert found(rec, "/MILK/") == [3, 4]
    assert found(rec, "doc ~ 'milk'") == [1, 3]  # case-sensitive: MILK is not milk
    assert found(rec, "$doc") == [0, 1, 3, 4]
    assert found(rec, "milk", start=3) == [3, 4]  # the running state starts mid-way


def test_arrays_and_frames_are_followed_whole_not_searched_inside(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    arr = np.zeros(2000)
    frame = pd.DataFrame({"item": ["milk", "eggs"] * 5, "n": range(10)})
    states: list[dict[str, Any]] = [{"arr": arr.copy(), "df": frame.copy(), "n": 0}]
    arr2 = arr.copy()
    arr2[5] = 1.0
    states.append({"arr": arr2, "df": frame.copy(), "n": 0})  # 1: an element of arr
    frame2 = frame.copy()
    frame2.loc[3, "item"] = "jam"
    states.append({"arr": arr2, "df": frame2, "n": 0})  # 2: a cell of df
    states.append({"arr": arr2, "df": frame2, "n": 1})  # 3
    rec = record(tmp_path / "r.ttrec", states)
    assert found(rec, "$arr") == [0, 1]
    assert found(rec, "$df") == [0, 2]
    assert found(rec, "milk") == []  # inside a frame: not searched
    assert found(rec, "arr") == [0]  # the key appeared; its value is an array, not text
    assert found(rec, "$arr == 1") == []  # no single True/False from an array
    assert found(rec, "n > 0") == [3]


# --- streaming, damaged and hostile files ------------------------------------------------------


def test_a_bad_query_raises_at_the_call(tmp_path: Path) -> None:
    rec = record(tmp_path / "r.ttrec", [{"a": 1}])
    with pytest.raises(QueryError):
        rec.search("todos[*.title")  # not at the first next()
    assert list(rec.search(parse_query("$a"))) == list(rec.search("$a"))
    assert isinstance(parse_query("$a"), Query)


def test_matches_stream_before_later_frames_are_decoded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "long.ttrec"
    state: dict[str, Any] = {"todos": [], "n": 0}
    with Recorder(state, sink=path, redact=None) as rec:
        rec.capture()
        state["todos"].append("buy milk")
        rec.capture()
        for i in range(2000):
            state["n"] = i
            rec.capture()
    decoded = 0
    real = recording_module.decode_frame  # type: ignore[attr-defined]

    def counting(payload: bytes) -> Any:
        nonlocal decoded
        decoded += 1
        return real(payload)

    monkeypatch.setattr(recording_module, "decode_frame", counting)
    recording = Recording.open(path)
    results = recording.search("milk")
    assert decoded == 0  # reading the query decodes nothing
    assert next(results).position == 1
    assert decoded <= 3
    path_results = recording.search("todos[*] ~ 'milk'", start=1)
    assert next(path_results).position == 1


def test_matches_before_a_corrupt_frame_come_out_first(tmp_path: Path) -> None:
    path = tmp_path / "r.ttrec"
    record(path, [{"a": "x"}, {"a": "milk"}, {"a": "x"}, {"a": "milk"}, {"a": "y"}])

    def garble(position: int | None, raw: Any) -> Any:
        if position == 3:
            raw[6] = "not rows"
        return raw

    path.write_bytes(rewrite_frames(path.read_bytes(), garble))
    rec = Recording.open(path)
    results = rec.search("milk")
    assert [next(results).position, next(results).position] == [1, 2]
    with pytest.raises(RecordingError, match=r"frame 3 at byte \d+ is corrupt"):
        next(results)


def test_frames_whose_state_a_gap_lost_are_skipped(tmp_path: Path) -> None:
    from tests.fuzz_cases import build

    frames = [[[["n"], 2, None, 0]]] + [[[["n"], 0, i - 1, i]] for i in range(1, 8)]
    data = bytearray(build(frames, {0: {"n": 0}, 5: {"n": 5}}))
    second_frame = [s for k, s, _ in payloads(bytes(data)) if k == KIND_FRAME][1]
    struct.pack_into("<I", data, second_frame + 1, 1 << 30)  # frame 1 lost
    path = tmp_path / "gap.ttrec"
    path.write_bytes(data)
    rec = Recording.open(path)
    assert [g.position for g in rec.gaps] == [1] and rec.gaps[0].lost == 1
    # Positions 1-4 (frames 2-5) can't be rebuilt before the keyframe after frame 5 (which
    # is position 4), and position 4 has no known state before it: 0, then 5 on.
    assert found(rec, "$n") == [0, 5, 6]
    assert found(rec, "n >= 0", start=2) == [5, 6]
    # A running state (the value at a deep root) restarts after the gap, too.
    frames = [[[["d"], 2, None, {"k": 0}]]] + [[[["d", "k"], 0, i - 1, i]] for i in range(1, 8)]
    data = bytearray(build(frames, {0: {"d": {"k": 0}}, 5: {"d": {"k": 5}}}))
    second_frame = [s for k, s, _ in payloads(bytes(data)) if k == KIND_FRAME][1]
    struct.pack_into("<I", data, second_frame + 1, 1 << 30)
    path.write_bytes(data)
    assert found(Recording.open(path), "$d") == [0, 5, 6]


def test_hostile_files_raise_nothing_but_recording_error() -> None:
    from tests.fuzz_cases import hostile

    queries = ["a", "/a/i", "$v", "v[*]", "*.*", "$l[0]", "v ~ 'x'", "$v == 1"]
    for name, data in hostile().items():
        try:
            rec = Recording.open(data)
        except RecordingError:
            continue
        for q in queries:
            try:
                for m in rec.search(q):
                    assert m.paths, name
            except RecordingError:
                pass


def test_huge_strings_and_deep_nesting_stay_bounded(tmp_path: Path) -> None:
    huge = "y" * (3 * REGEX_LIMIT) + "needle"
    deep: Any = "milk"
    for i in range(90):
        deep = {f"k{i % 3}": deep} if i % 2 else [deep]
    rec = record(
        tmp_path / "r.ttrec",
        [
            {"doc": huge, "deep": deep},
            {"doc": "needle" + huge, "deep": deep, "n": 1},
            {"doc": "needle" + huge, "deep": [deep], "n": 1},
        ],
    )
    assert found(rec, "needle") == [0, 1]  # text reads all of a value
    # A regex sees the first REGEX_LIMIT characters: the tail's needle is out of its sight.
    assert found(rec, "/needle/") == [1]
    assert found(rec, "milk") == [0, 2]  # one level deeper is another (erased) path
    assert found(rec, "$deep") == [0, 2]
    assert found(rec, "$doc") == [0, 1]


# --- the property: the fast scan equals a brute-force oracle over whole states -----------------

_MARK = object()  # the oracle's own place for a set's element
_HOLE = object()  # the oracle's own erased index
_CONTAINERS = (dict, list, tuple, set, frozenset)


def _oracle_fp(v: Any) -> Any:
    t = type(v)
    if t is dict:
        return ("dict", frozenset((_oracle_fp(k), _oracle_fp(x)) for k, x in v.items()))
    if t is list or t is tuple:
        return (t.__name__, tuple(_oracle_fp(x) for x in v))
    if t is set or t is frozenset:
        return (t.__name__, frozenset(_oracle_fp(x) for x in v))
    if t is float and v != v:
        return ("float", "nan")
    return (t.__name__, v)


def oracle(query: Query, state: dict[Any, Any]) -> Counter[Any]:
    """The matches of a whole state, walked here without the scan's code: only the query's
    predicates (key_matches, value_matches, path_matches) are shared."""
    out: Counter[Any] = Counter()

    def erase(path: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(_HOLE if type(p) is int else p for p in path)

    def visit(path: tuple[Any, ...], v: Any) -> None:
        t = type(v)
        if query.kind == "path":
            if query.path_matches(path) and query.value_matches(v):
                out[(erase(path), _oracle_fp(v))] += 1
        else:
            last = path[-1]
            if type(last) is not int and last is not _MARK and query.key_matches(last):
                held = t.__name__ if t in _CONTAINERS else _oracle_fp(v)
                out[("key", erase(path), held)] += 1
            if query.value_matches(v):
                out[("value", erase(path), _oracle_fp(v))] += 1
        if t is dict:
            for k, x in v.items():
                visit((*path, k), x)
        elif t is list or t is tuple:
            for i, x in enumerate(v):
                visit((*path, i), x)
        elif t is set or t is frozenset:
            for x in v:
                visit((*path, _MARK), x)

    for k, v in state.items():
        visit((k,), v)
    return out


def oracle_positions(rec: Recording, query: Query) -> list[int]:
    before: Counter[Any] = Counter()
    hits = []
    for p in range(len(rec)):
        now = oracle(query, rec.state_at(p))
        if now != before:
            hits.append(p)
        before = now
    return hits


KEYS = ["a", "b", "ab", "c", "x"]
_keys = st.sampled_from(KEYS)
_short = st.text("abAB", max_size=3)
_scalars = st.one_of(
    st.integers(-2, 3),
    _short,
    st.booleans(),
    st.none(),
    st.sampled_from([0.5, 1.0, float("nan")]),
    _short.map(lambda s: "x" * 1030 + s),  # long: edits are text splices
)
_sets = st.sets(st.integers(0, 3) | _short, max_size=4)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_keys, children, max_size=4),
        st.tuples(children, children),
        _sets,
    )


_values = st.recursive(_scalars, _containers, max_leaves=10)
# A list, a dict and a set to edit in place (so that changes are item-sized rows: list
# insertions that shift indices, fields deep in a list, set elements), and maybe more keys.
_initial = st.fixed_dictionaries(
    {
        "a": st.lists(_values, max_size=4),
        "b": st.dictionaries(_keys, _values, max_size=3),
        "ab": _sets,
    },
    optional={"c": _values, "x": _values},
)
_ops = st.one_of(
    st.tuples(st.just("put"), _keys, _values),
    st.tuples(st.just("del"), _keys),
    st.tuples(st.just("insert"), _keys, st.integers(0, 4), _values),
    st.tuples(st.just("remove"), _keys, st.integers(0, 4)),
    st.tuples(st.just("setin"), _keys, st.integers(0, 4), _values),
    st.tuples(st.just("setadd"), _keys, st.integers(0, 3) | _short),
    st.tuples(st.just("setdiscard"), _keys, st.integers(0, 3) | _short),
    st.tuples(st.just("splice"), st.integers(0, 2000), st.integers(0, 3), _short),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
    st.tuples(st.just("jump"), st.integers(0, 50)),
)


def _step_text(step: Any) -> str:
    if step == "*":
        return "[*]"
    if isinstance(step, int):
        return f"[{step}]"
    return f".{step}" if step.isidentifier() else f"[{step!r}]"


_path_steps = st.lists(st.sampled_from([*KEYS, "*", 0, 1]), min_size=0, max_size=2)
_literals = st.sampled_from(["1", "0", "-1", "'a'", "'ab'", "true", "null", "[]", "0.5", "'b' "])
_predicates = st.one_of(
    st.just(""),
    st.tuples(st.sampled_from(["==", "!=", ">", ">=", "<", "<="]), _literals).map(
        lambda t: f" {t[0]} {t[1]}"
    ),
    st.sampled_from([" ~ 'a'", " ~ /^b/i", " ~ '1'"]),
)
# Paths that fit the initial state's shape (a list at "a", a dict at "b", a set at "ab"), and
# random ones.
_PATHS = [
    "$a", "$a[*]", "$a[0]", "$a[1]", "$a[*].a", "$a[*][*]", "$a[0].b", "$a.*.*",
    "$b", "$b.a", "$b.*", "$b[*][0]", "$ab", "$ab[*]", "$*", "$*[*]", "$*.a", "$c", "$x[0]",
    "$doc",
]  # fmt: skip
TEXTS = ["a", "b", "ab", "A", "1", "true", "none", "x", "nan"]
REGEXES = ["/a+/", "/^b$/", "/A/i", "/[0-9]/", "/a$/m", "/xa/"]
_path_queries = st.one_of(
    st.tuples(st.sampled_from(_PATHS), _predicates).map("".join),
    st.tuples(st.sampled_from([*KEYS, "*"]), _path_steps, _predicates).map(
        lambda t: "$" + t[0] + "".join(map(_step_text, t[1])) + t[2]
    ),
)
_queries = st.one_of(st.sampled_from(TEXTS), st.sampled_from(REGEXES), _path_queries, _path_queries)


def _apply_op(state: dict[str, Any], op: tuple[Any, ...]) -> None:
    kind, key = op[0], op[1] if len(op) > 1 and isinstance(op[1], str) else ""
    target = state.get(key)
    if kind == "splice":  # a small edit of a long text: recorded as a text splice
        doc = state.get("doc")
        doc = doc if isinstance(doc, str) and len(doc) > 1024 else "x" * 2000
        at, cut, text = op[1] % len(doc), op[2], op[3]
        state["doc"] = doc[:at] + text + doc[at + cut :]
    elif kind == "put":
        state[key] = copy.deepcopy(op[2])
    elif kind == "del":
        state.pop(key, None)
    elif kind == "insert" and isinstance(target, list):
        target.insert(min(op[2], len(target)), copy.deepcopy(op[3]))
    elif kind == "remove" and isinstance(target, list) and target:
        del target[op[2] % len(target)]
    elif kind == "setin" and isinstance(target, list) and target:
        item = target[op[2] % len(target)]
        if isinstance(item, dict):  # deeper: a field of a dict in a list
            item[KEYS[op[2] % len(KEYS)]] = copy.deepcopy(op[3])
        else:
            target[op[2] % len(target)] = copy.deepcopy(op[3])
    elif kind == "setin" and isinstance(target, dict):
        target[KEYS[op[2] % len(KEYS)]] = copy.deepcopy(op[3])
    elif kind == "setadd" and isinstance(target, set):
        target.add(op[2])
    elif kind == "setdiscard" and isinstance(target, set):
        target.discard(op[2])


def _record_ops(path: Path, state: dict[str, Any], ops: list[tuple[Any, ...]]) -> Recording:
    with Recorder(state, sink=path, redact=None) as rec:
        rec.capture()
        for op in ops:
            if op[0] == "undo":
                rec.undo()
            elif op[0] == "redo":
                rec.redo()
            elif op[0] == "jump":
                rec.jump(op[1] % (rec.frames[-1].index + 1))
            else:
                _apply_op(state, op)
                rec.capture()
    return Recording.open(path)


def _check(recording: Recording, text: str, start: int) -> None:
    query = parse_query(text)
    matches = list(recording.search(query))
    positions = [m.position for m in matches]
    assert positions == oracle_positions(recording, query), text
    for m in matches:
        assert m.paths and m.how in ("appeared", "changed", "disappeared")
        assert m.frame == recording[m.position]
    assert found(recording, query, start=start) == [p for p in positions if p >= start]


@settings(max_examples=120, deadline=None)
@given(
    _initial,
    st.lists(_ops, min_size=3, max_size=16),
    st.lists(_queries, min_size=1, max_size=4),
    st.integers(0, 16),
)
def test_the_scan_equals_a_brute_force_oracle(
    tmp_path_factory: Any,
    initial: dict[str, Any],
    ops: list[tuple[Any, ...]],
    texts: list[str],
    start: int,
) -> None:
    path = tmp_path_factory.mktemp("search") / "s.ttrec"
    recording = _record_ops(path, copy.deepcopy(initial), ops)
    for text in texts:
        _check(recording, text, start)
        query = parse_query(text)
        for p in range(len(recording)):
            s = recording.state_at(p)
            assert sum(query.matches(s).values()) == sum(oracle(query, s).values()), text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_long_random_session_equals_the_oracle(tmp_path: Path, seed: int) -> None:
    """The property over longer sessions than hypothesis builds: 300 edits of every kind,
    every query form, checked against the oracle at every frame."""
    rng = random.Random(seed)
    words = ["", "a", "b", "ab", "ba", "aab", "B", "x" * 1030 + "ab", "x" * 1030 + "b"]

    def value(depth: int = 0) -> Any:
        r = rng.random()
        if depth > 2 or r < 0.5:
            return rng.choice([*words, 0, 1, 2, -1, True, False, None, 0.5, float("nan")])
        if r < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        if r < 0.9:
            return {rng.choice(KEYS): value(depth + 1) for _ in range(rng.randint(0, 3))}
        return {rng.choice([0, 1, 2, "a", "b"]) for _ in range(rng.randint(0, 3))}

    state: dict[str, Any] = {"a": [value() for _ in range(3)], "b": {"a": value()}, "ab": {1}}
    ops: list[tuple[Any, ...]] = []
    for _ in range(300):
        kind = rng.choice(
            ["put", "del", "insert", "insert", "remove", "remove", "setin", "setin", "setin",
             "setadd", "setdiscard", "undo", "redo", "jump", "splice"]
        )  # fmt: skip
        key = rng.choice(["a", "a", "b", "ab", "c"])
        if kind in ("undo", "redo"):
            ops.append((kind,))
        elif kind == "jump":
            ops.append((kind, rng.randrange(200)))
        elif kind == "del":
            ops.append((kind, key))
        elif kind == "put":
            ops.append((kind, key, value()))
        elif kind in ("insert", "setin"):
            ops.append((kind, key, rng.randrange(5), value()))
        elif kind == "remove":
            ops.append((kind, key, rng.randrange(5)))
        elif kind == "splice":
            ops.append((kind, rng.randrange(2100), rng.randrange(4), rng.choice(words[:7])))
        else:
            ops.append((kind, key, rng.choice([0, 1, 2, "a", "b"])))
    recording = _record_ops(tmp_path / "long.ttrec", state, ops)
    assert len(recording) > 100
    queries = [*TEXTS, *REGEXES, *_PATHS]
    queries += [f"{p} == 'ab'" for p in _PATHS[:8]] + ["$a[*] > 0", "$a[1] ~ 'b$'", "$b.a != 1"]
    for text in queries:
        _check(recording, text, rng.randrange(len(recording)))
