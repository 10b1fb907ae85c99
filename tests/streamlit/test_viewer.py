"""The browser viewer under AppTest: opening a path, an upload or a store session; the
timeline, selecting, A/B marks, key history, search, the chart; errors as one line."""

from __future__ import annotations

import ast
import json
import time
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from tests.streamlit.conftest import no_exception
from timetravel import Recorder, Recording, format_path
from timetravel.jsonable import to_json
from timetravel.labels import change_words, frame_title
from timetravel.stores import open_store
from timetravel.streamlit.viewer import search, stats, text, timeline

VIEWER = Path(__file__).resolve().parents[2] / "timetravel" / "streamlit" / "viewer"
K = "_timetravel_viewer_"  # the viewer's widget keys start with it (tt.track() skips them)
CHANGE_COLUMNS = ["key path", "change", "old", "new"]


def viewer_page(source: object = None, open_paths: bool = False) -> None:
    """The test app: one viewer on the page."""
    import streamlit as st

    from timetravel.streamlit.viewer import viewer

    st.set_page_config(layout="wide")
    viewer(source, open_paths=open_paths)


def todo_session(sink: Any, n: int = 12) -> dict[str, Any]:
    """``n`` frames of a todo list: add a todo, tick it, switch the filter, in turn."""
    state: dict[str, Any] = {"todos": [], "filter": "all"}
    with Recorder(state, sink=sink) as rec:
        rec.capture()
        for i in range(1, n):
            if i % 3 == 1:
                title = "buy milk" if i == 1 else f"task {i}"
                state["todos"].append({"title": title, "done": False})
                rec.capture(trigger="new_todo", label=f"Add {title!r}")
            elif i % 3 == 2:
                state["todos"][-1]["done"] = True
                rec.capture(trigger=f"done_{i}", label=f"Toggle {state['todos'][-1]['title']!r}")
            else:
                state["filter"] = "open" if state["filter"] == "all" else "all"
                rec.capture(trigger="filter")
    return state


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = tmp_path / "todos.ttrec"
    todo_session(path)
    return path


def start(source: Any = None, open_paths: bool = False) -> AppTest:
    at = AppTest.from_function(viewer_page, args=(source, open_paths), default_timeout=30)
    at.run()
    no_exception(at)
    return at


def table(at: AppTest, name: str) -> Any:
    """The viewer's table ``name`` (timeline, changes, diff, history, results, sessions)."""
    if name in ("changes", "diff"):  # tables without a selection: known by their columns
        listed = [d for d in at.dataframe if list(d.value.columns) == CHANGE_COLUMNS]
        found = listed[:1] if name == "changes" else listed[1:]
        assert len(found) == 1, len(listed)
        return found[0]
    found = [d for d in at.dataframe if d.key and d.key.startswith(K + name)]
    assert len(found) == 1, [d.key for d in at.dataframe]
    return found[0]


def click(at: AppTest, name: str, row: int) -> None:
    """Select a table's row, as a click on its checkbox does."""
    at.session_state[table(at, name).key] = {"selection": {"rows": [row], "columns": []}}
    at.run()
    no_exception(at)


def go_to(at: AppTest, index: int) -> None:
    at.number_input(key=K + "goto").set_value(index).run()
    no_exception(at)


def shown_state(at: AppTest) -> Any:
    return json.loads(at.json[0].value)


def heading(at: AppTest) -> str:
    return next(h.value for h in at.subheader if h.value.startswith("Frame "))


# --- opening --------------------------------------------------------------------------------


def test_a_path_opens_on_the_newest_frame(recording: Path) -> None:
    rec = Recording.open(recording)
    at = start(str(recording))
    rows = table(at, "timeline").value
    assert rows["frame"].tolist() == list(range(11, -1, -1))
    assert rows["action"].tolist() == [frame_title(f) for f in reversed(rec)]
    assert rows["changes"].tolist() == [change_words(f) for f in reversed(rec)]
    assert rows[""].tolist()[0] == "▶"
    assert heading(at) == "Frame 11"
    assert shown_state(at) == to_json(rec.state_at(11))
    changes = table(at, "changes").value
    assert changes["key path"].tolist() == [format_path(c.path) for c in rec[11].changes]
    assert "12 frames" in at.caption[0].value


def test_an_upload_opens_and_stays_in_its_own_session(recording: Path) -> None:
    at = start()
    assert not at.dataframe  # nothing to show until something is opened
    uploader = at.file_uploader(key=K + "upload")
    uploader.set_value(("todos.ttrec", recording.read_bytes(), "application/octet-stream"))
    at.run()
    no_exception(at)
    assert heading(at) == "Frame 11"
    assert table(at, "timeline").value["frame"].tolist()[0] == 11
    other = start()  # another browser session: it does not see the upload
    assert not other.dataframe and not other.subheader


def test_a_store_lists_its_sessions_and_opens_the_one_picked(tmp_path: Path) -> None:
    store = open_store(tmp_path / "store")
    todo_session(store.open_session("first-session"), n=4)
    todo_session(store.open_session("second-session"), n=7)
    store.close()
    at = start(str(tmp_path / "store"))
    sessions = table(at, "sessions").value
    assert sorted(sessions["session"]) == ["first-session", "second-session"]
    row = sessions["session"].tolist().index("second-session")
    assert sessions["frames"].tolist()[row] == 7
    click(at, "sessions", row)
    assert heading(at) == "Frame 6"
    assert table(at, "timeline").value["frame"].tolist() == list(range(6, -1, -1))


@pytest.mark.parametrize("kind", ["folder", "sqlite"])
def test_store_hash_session_opens_it_directly(tmp_path: Path, kind: str) -> None:
    where = str(tmp_path / "store") if kind == "folder" else f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(where)
    todo_session(store.open_session("abc"), n=5)
    store.close()
    at = start(f"{where}#abc")
    assert heading(at) == "Frame 4"
    assert shown_state(at) == to_json(Recording.open(where, session="abc").state_at(4))


def test_reload_reads_what_a_store_session_wrote_since(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    store = open_store(url)
    state = {"n": 0}
    with Recorder(state, sink=store.open_session("live")) as rec:
        rec.capture()
        store.sync()
        at = start(f"{url}#live")
        assert heading(at) == "Frame 0"
        for n in (1, 2):
            state["n"] = n
            rec.capture(trigger="inc")
        store.sync()
        at.run()  # a rerun alone reads nothing new
        assert table(at, "timeline").value["frame"].tolist() == [0]
        at.button(key=K + "reload").click().run()
        no_exception(at)
    store.close()
    assert table(at, "timeline").value["frame"].tolist() == [2, 1, 0]
    assert heading(at) == "Frame 0"  # the selection stays
    go_to(at, 2)
    assert shown_state(at) == {"n": 2}


def test_a_path_typed_in_opens_when_paths_are_allowed(recording: Path) -> None:
    at = start(open_paths=True)
    at.text_input(key=K + "location").input(str(recording)).run()
    no_exception(at)
    assert heading(at) == "Frame 11"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"certainly not a recording", "not a timetravel recording"),
        (None, "no such file"),
    ],
)
def test_an_unreadable_file_is_one_error_not_a_traceback(
    tmp_path: Path, content: bytes | None, says: str
) -> None:
    path = tmp_path / "bad.ttrec"
    if content is not None:
        path.write_bytes(content)
    at = start(str(path))
    assert len(at.error) == 1 and says in at.error[0].value.replace("\\", "")
    assert not at.dataframe


def test_a_corrupt_upload_and_an_unknown_store_are_errors(recording: Path) -> None:
    at = start(open_paths=True)
    at.file_uploader(key=K + "upload").set_value(("x.ttrec", b"garbage", "text/plain")).run()
    no_exception(at)
    assert len(at.error) == 1 and not at.dataframe
    at.run()  # still said on the next run
    assert len(at.error) == 1 and "x.ttrec" in at.error[0].value.replace("\\", "")
    at.text_input(key=K + "location").input("nosuch://x").run()
    no_exception(at)
    assert len(at.error) == 1 and "unknown store scheme" in at.error[0].value.replace("\\", "")


def test_a_damaged_record_is_a_notice_and_the_rest_still_shows(recording: Path) -> None:
    data = bytearray(recording.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in a record in the middle
    recording.write_bytes(bytes(data))
    at = start(str(recording))
    assert at.warning and "damaged record" in at.warning[0].value.replace("\\", "")
    assert table(at, "timeline").value["frame"].tolist()[0] == 11


# --- what the page shows ----------------------------------------------------------------------


def test_clicking_a_timeline_row_selects_that_frame(recording: Path) -> None:
    rec = Recording.open(recording)
    at = start(str(recording))
    click(at, "timeline", 11 - 4)  # newest first: frame 4 is the eighth row
    assert heading(at) == "Frame 4"
    assert shown_state(at) == to_json(rec.state_at(4))
    assert table(at, "changes").value["key path"].tolist() == ["todos[1]"]
    assert table(at, "timeline").value[""].tolist()[11 - 4] == "▶"


def test_marks_a_and_b_show_the_diff_between_them(recording: Path) -> None:
    rec = Recording.open(recording)
    at = start(str(recording))
    assert any("Mark two frames" in c.value for c in at.caption)
    go_to(at, 2)
    at.button(key=K + "mark_a").click().run()
    go_to(at, 8)
    at.button(key=K + "mark_b").click().run()
    no_exception(at)
    marks = table(at, "timeline").value[""].tolist()
    assert marks[11 - 2] == "A" and marks[11 - 8] == "▶B"
    diff = table(at, "diff").value
    want = rec.diff(2, 8)
    assert diff["key path"].tolist() == [format_path(c.path) for c in want]
    assert any(f"frame 2 → frame 8** ({len(want)} changes)" in m.value for m in at.markdown)
    at.button(key=K + "clear_marks").click().run()
    assert len([d for d in at.dataframe if list(d.value.columns) == CHANGE_COLUMNS]) == 1


def test_key_history_lists_every_frame_that_changed_the_key(recording: Path) -> None:
    rec = Recording.open(recording)
    at = start(str(recording))
    at.selectbox(key=K + "history_key").set_value("filter").run()
    no_exception(at)
    rows = table(at, "history").value
    want = rec.history("filter")[::-1]
    assert rows["frame"].tolist() == [f.index for f, _, _ in want]
    assert rows["new"].tolist() == [repr(new) for _, _, new in want]
    click(at, "history", len(want) - 1)  # the oldest: selects it
    assert heading(at) == f"Frame {want[-1][0].index}"


def test_a_typed_key_path_is_traced_too(recording: Path) -> None:
    rec = Recording.open(recording)
    at = start(str(recording))
    at.selectbox(key=K + "history_key").set_value("todos[0]['done']").run()
    no_exception(at)
    want = rec.history(("todos", 0, "done"))[::-1]
    assert table(at, "history").value["frame"].tolist() == [f.index for f, _, _ in want]


def test_search_lists_matching_frames_and_a_click_selects_one(recording: Path) -> None:
    rec = Recording.open(recording)
    at = start(str(recording))
    at.text_input(key=K + "search").input("milk").run()
    no_exception(at)
    found = [m.index for m in rec.search("milk")]
    rows = table(at, "results").value
    assert rows["frame"].tolist() == found and found[0] == 1
    assert rows["where"].tolist()[0] == "todos[0]"
    click(at, "results", 0)
    assert heading(at) == "Frame 1"


def test_a_bad_query_says_why_under_the_box(recording: Path) -> None:
    at = start(str(recording))
    at.text_input(key=K + "search").input("todos[*.title").run()
    no_exception(at)
    (error,) = at.error
    assert "unclosed" in error.value and "column" in error.value
    assert heading(at) == "Frame 11"  # the rest of the page is there


def test_search_stops_at_a_batch_and_more_carries_on(tmp_path: Path) -> None:
    path = tmp_path / "long.ttrec"
    state: dict[str, Any] = {"n": 0}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        for i in range(1, search.BATCH + 50):
            state["n"] = i
            rec.capture(trigger="tick")
    at = start(str(path))
    at.text_input(key=K + "search").input("$n").run()
    assert len(table(at, "results").value) == search.BATCH
    at.button(key=K + "search_more").click().run()
    no_exception(at)
    rows = table(at, "results").value
    assert rows["frame"].tolist() == [m.index for m in Recording.open(path).search("$n")]
    assert not [b for b in at.button if b.key == K + "search_more"]


def test_the_filter_narrows_the_timeline(recording: Path) -> None:
    rec = Recording.open(recording)
    at = start(str(recording))
    at.text_input(key=K + "filter").input("FILTER").run()
    no_exception(at)
    rows = table(at, "timeline").value
    want = [  # a trigger, or a changed key path, that holds "filter" (the first frame's)
        f.index
        for f in rec
        if f.trigger == "filter" or any("filter" in format_path(c.path) for c in f.changes)
    ][::-1]
    assert want[-1] == 0
    assert rows["frame"].tolist() == want
    assert any(f"{len(want)} of 12 frames match" in c.value for c in at.caption)


def test_pages_of_a_long_recording(tmp_path: Path) -> None:
    path = tmp_path / "long.ttrec"
    todo_session(path, n=250)
    at = start(str(path))
    assert table(at, "timeline").value["frame"].tolist() == list(range(249, 149, -1))
    at.button(key=K + "older").click().run()
    assert table(at, "timeline").value["frame"].tolist() == list(range(149, 49, -1))
    at.button(key=K + "oldest").click().run()
    assert table(at, "timeline").value["frame"].tolist() == list(range(49, -1, -1))
    go_to(at, 180)  # another page: the timeline moves there
    rows = table(at, "timeline").value
    assert rows["frame"].tolist() == list(range(249, 149, -1))
    assert rows[""].tolist()[249 - 180] == "▶" and heading(at) == "Frame 180"


def test_reruns_reuse_the_opened_recording(recording: Path) -> None:
    at = start(str(recording))
    first = at.session_state[K + "view"].token
    go_to(at, 3)
    at.button(key=K + "mark_a").click().run()
    at.text_input(key=K + "filter").input("todos").run()
    at.selectbox(key=K + "history_key").set_value("filter").run()
    assert at.session_state[K + "view"].token == first  # the same opened recording
    with Recorder({"x": 1}, sink=recording) as rec:  # the file replaced: opened again
        rec.capture()
    at.run()
    no_exception(at)
    assert at.session_state[K + "view"].token != first
    assert heading(at) == "Frame 0"


def test_the_chart_counts_values_and_changes(recording: Path) -> None:
    rec = Recording.open(recording)
    at = start(str(recording))
    deadline = time.monotonic() + 20
    while not at.get("vega_lite_chart") and time.monotonic() < deadline:
        time.sleep(0.1)
        at.run()
    assert len(at.get("vega_lite_chart")) == 2
    walked = stats.start(rec)
    while not walked.done:
        time.sleep(0.01)
    frames, changes, values = walked.snapshot()
    assert frames == list(range(12)) and changes == [len(f.changes) for f in rec]
    assert values == [stats.count_values(rec.state_at(i)) - 1 for i in range(12)]
    assert values[0] == 2  # the empty list under "todos", and "all" under "filter"


def test_an_app_can_show_its_own_recording_without_recording_the_viewer() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt
        from timetravel.streamlit.viewer import viewer

        rec = tt.track()
        if "count" not in st.session_state:
            st.session_state.count = 0

        def add() -> None:
            st.session_state.count += 1

        st.button("Add one", on_click=add)
        viewer(rec.recording_bytes(), key="mine")

    at = AppTest.from_function(app, default_timeout=30).run()
    at.button[0].click().run()
    at.button[0].click().run()
    at.run()  # a frame is written once its action has settled: the run after it
    no_exception(at)
    recorded = {k for f in at.session_state["_timetravel"].frames for k in f.keys}
    assert recorded == {"count"}
    assert json.loads(at.json[0].value) == {"count": 2}


# --- safe text --------------------------------------------------------------------------------


def test_text_from_a_recording_is_escaped_in_markdown(tmp_path: Path) -> None:
    path = tmp_path / "[x](https:__evil).ttrec"
    state = {"n": 0}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["n"] = 1
        rec.capture(trigger="t", label="**bold** [link](https://evil.example) <b>")
    at = start(str(path))
    shown = " ".join(m.value for m in [*at.markdown, *at.caption])
    assert "[link](" not in shown and "**bold**" not in shown and "<b>" not in shown
    assert "\\*\\*bold\\*\\* \\[link\\]\\(https\\:\u200b\\/\\/evil\\.example\\) \\<b\\>" in shown


def test_md_escapes_markdown_html_links_and_directives() -> None:
    assert text.md("a_b *c* `d` <i> :red[x] $y$ #1") == (
        "a\\_b \\*c\\* \\`d\\` \\<i\\> \\:red\\[x\\] \\$y\\$ \\#1"
    )
    assert "\u200b" in text.md("www.example.com") and "\u200b" in text.md("me@example.com")
    assert text.md("\x1b]0;title\x07") == "\\\\x1b\\]0\\;title\\\\x07"


def test_tree_is_bounded_and_json_safe() -> None:
    big = {"rows": list(range(10_000)), "text": "x" * 100_000, "nan": float("nan")}
    shown = text.tree(big)
    assert len(shown["rows"]) == text.ITEMS + 1 and shown["rows"][-1] == "… 9,800 more items"
    assert len(shown["text"]) < 300 and shown["text"].endswith("(100,000 chars)")
    assert shown["nan"] == {"$float": "nan"}
    json.dumps(shown)
    wide = {f"k{i}": list(range(100)) for i in range(1_000)}
    assert sum(len(v) for v in text.tree(wide, items=1_000).values()) < text.NODES + 1_000


def test_the_listing_pages_newest_first() -> None:
    everything = timeline.Listing(250, None)
    assert everything[:3] == [249, 248, 247] and everything.row_of(0) == 249
    matched = timeline.Listing(250, [3, 7, 9])
    assert list(matched) == [9, 7, 3] and matched.row_of(3) == 2 and matched.row_of(4) is None


# --- only public API --------------------------------------------------------------------------

ALLOWED = {
    "timetravel",
    "timetravel.display",
    "timetravel.jsonable",
    "timetravel.labels",
    "timetravel.stores",
    "timetravel.streamlit.viewer",
}


def _imports(path: Path) -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 1:  # the viewer's own modules
                module = "timetravel.streamlit.viewer" + (f".{node.module}" if node.module else "")
            else:
                assert node.level == 0, f"{path.name} imports from outside the viewer relatively"
                module = node.module or ""
            out.append((module, [a.name for a in node.names]))
    return out


def test_the_viewer_uses_only_public_api() -> None:
    """Nothing private of timetravel's (an underscore module or name), and of Streamlit only
    the ``streamlit`` module itself: the viewer reads recordings as any user could."""
    files = sorted(VIEWER.glob("*.py"))
    assert {p.name for p in files} >= {"__init__.py", "app.py", "source.py", "search.py"}
    for path in files:
        for module, names in _imports(path):
            top = module.split(".")[0]
            if top == "timetravel":
                assert any(module == a or module.startswith(a + ".") for a in ALLOWED), (
                    path.name,
                    module,
                )
                assert not any(part.startswith("_") for part in module.split(".")), module
                assert not [n for n in names if n.startswith("_")], (path.name, names)
            elif top == "streamlit":
                assert module == "streamlit", (path.name, module)
        source = path.read_text()
        assert "st._" not in source and "._internals" not in source, path.name
