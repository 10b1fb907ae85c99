"""The Streamlit layer driven through real apps with streamlit.testing.v1.AppTest."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.streamlit.conftest import EXAMPLES, add, frames, no_exception
from timetravel import REDACTED, Recording, TimetravelWarning

UNDO, REDO = "_timetravel_buttons_undo", "_timetravel_buttons_redo"


def click(at: AppTest, key: str) -> None:
    at.button(key=key).click().run()
    no_exception(at)


def test_one_frame_per_run_named_by_its_trigger(todo_app: AppTest) -> None:
    at = todo_app
    add(at, "milk")
    at.checkbox(key="done_0").check().run()
    at.radio(key="filter").set_value("done").run()
    at.radio(key="filter").set_value("all").run()
    click(at, "delete_0")
    log = [(f.trigger, f.restores) for f in frames(at)]
    assert len(log) == 6  # one per run: the first, then five interactions
    assert [t for t, _ in log] == ["initial", "new_todo", "done_0", "filter", "filter", "delete_0"]


def test_undo_and_redo_restore_the_widgets(todo_app: AppTest) -> None:
    at = todo_app
    add(at, "milk")
    add(at, "eggs")
    at.checkbox(key="done_0").check().run()
    at.text_input(key="title_1").input("free-range eggs").run()
    assert at.session_state.todos[1]["title"] == "free-range eggs"

    click(at, UNDO)  # the title edit
    assert at.text_input(key="title_1").value == "eggs"
    assert at.session_state.todos[1]["title"] == "eggs"
    click(at, UNDO)  # the checkbox
    assert at.checkbox(key="done_0").value is False
    assert at.session_state.todos[0]["done"] is False
    click(at, REDO)
    assert at.checkbox(key="done_0").value is True
    click(at, REDO)
    assert at.text_input(key="title_1").value == "free-range eggs"
    assert at.button(key=REDO).disabled


def test_undo_brings_a_deleted_item_back_with_its_widgets(todo_app: AppTest) -> None:
    at = todo_app
    add(at, "milk")
    at.checkbox(key="done_0").check().run()
    click(at, "delete_0")
    assert at.session_state.todos == []
    click(at, UNDO)
    assert at.session_state.todos == [{"id": 0, "title": "milk", "done": True}]
    assert at.checkbox(key="done_0").value is True


def test_buttons_are_disabled_when_there_is_nothing_to_do(todo_app: AppTest) -> None:
    at = todo_app
    assert at.button(key=UNDO).disabled and at.button(key=REDO).disabled
    add(at, "milk")
    assert not at.button(key=UNDO).disabled and at.button(key=REDO).disabled


def test_read_only_widget_keys_are_never_recorded_or_written() -> None:
    def app() -> None:
        import pandas as pd
        import streamlit as st

        import timetravel.streamlit as tt

        rec = tt.track()
        st.button("Go", key="go")
        st.file_uploader("File", key="upload")
        st.data_editor(pd.DataFrame({"a": [1, 2]}), key="editor")
        st.download_button("Get", data=b"x", key="download")
        with st.form("f"):
            st.text_input("In form", key="in_form")
            st.form_submit_button("Send")
        st.text_input("Name", key="name")
        st.button("Undo", key="u", on_click=rec.undo)
        st.button("Jump to 0", key="j", on_click=rec.jump, args=(0,))

    at = AppTest.from_function(app, default_timeout=30).run()
    at.text_input(key="name").input("Ann").run()
    at.button(key="go").click().run()
    at.button(key="FormSubmitter:f-Send").click().run()
    at.button(key="u").click().run()
    at.button(key="j").click().run()
    no_exception(at)
    recorded = {c.path[0] for f in frames(at) for c in f.changes}
    assert {"name", "in_form"} <= recorded
    assert not recorded & {"go", "upload", "editor", "download", "u", "j", "FormSubmitter:f-Send"}
    assert not any(str(k).startswith("_timetravel") for k in recorded)
    assert [f.trigger for f in frames(at)][:4] == ["initial", "name", "go", "form:f"]


def test_undo_from_the_script_body_schedules_and_reruns() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        rec = tt.track()
        st.text_input("Name", key="name")
        if st.button("Undo from the body", key="body_undo"):
            rec.undo()  # widgets already exist in this run: restore after a rerun

    at = AppTest.from_function(app, default_timeout=30).run()
    at.text_input(key="name").input("Ann").run()
    at.text_input(key="name").input("Bob").run()
    at.button(key="body_undo").click().run()
    no_exception(at)
    assert at.text_input(key="name").value == "Ann"
    assert frames(at)[-1].trigger == "undo"


def test_history_panel_jumps_and_offers_the_recording(todo_app: AppTest) -> None:
    at = todo_app
    add(at, "milk")
    add(at, "eggs")
    click(at, "_timetravel_jump_1")
    assert [t["title"] for t in at.session_state.todos] == ["milk"]
    assert frames(at)[-1].trigger == "jump" and frames(at)[-1].restores == 1
    # The jump is a step: the current one, marked, named after what it restored.
    row = at.sidebar.button(key=f"_timetravel_jump_{frames(at)[-1].index}")
    assert row.disabled and "Jump to \\#1" in row.label
    assert row.proto.icon == ":material/radio_button_checked:"
    data = at.session_state["_timetravel"].recording_bytes()
    assert data.startswith(b"\x89TTREC")


def test_each_session_has_its_own_history() -> None:
    a = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
    b = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
    add(a, "only in a")
    add(a, "also only in a")
    add(b, "only in b")
    fa, fb = frames(a), frames(b)
    assert len(fa) == 3 and len(fb) == 2
    assert a.session_state["_timetravel"] is not b.session_state["_timetravel"]
    click(b, UNDO)
    assert b.session_state.todos == [] and len(a.session_state.todos) == 2
    import timetravel.streamlit as tt

    module_state = [
        v
        for k, v in vars(tt).items()
        if isinstance(v, (dict, list, set)) and not k.startswith("__")
    ]
    assert module_state == []  # no module-level stores of sessions


def test_record_to_writes_one_redacted_file_per_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMETRAVEL_RECORD_DIR", str(tmp_path))
    at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
    at.session_state["api_token"] = "secret-value"
    add(at, "milk")
    other = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
    add(other, "eggs")
    files = sorted(tmp_path.glob("*.ttrec"))
    assert len(files) == 2
    for f in files:
        # The todo example resumes sessions: each file is named by its 128-bit session id.
        assert len(f.stem) == 32 and int(f.stem, 16) >= 0
        assert b"secret-value" not in f.read_bytes()
    recordings = [Recording.open(f) for f in files]
    states = [r.state_at(-1) for r in recordings]
    mine = next(s for s in states if "api_token" in s)
    assert mine["api_token"] == REDACTED and mine["todos"][0]["title"] == "milk"


def test_an_unserializable_value_leaves_the_app_working() -> None:
    def app() -> None:
        import sqlite3

        import streamlit as st

        import timetravel.streamlit as tt

        rec = tt.track()
        if "db" not in st.session_state:
            st.session_state.db = sqlite3.connect(":memory:", check_same_thread=False)
        st.number_input("n", key="n", step=1)
        st.button("Undo", key="u", on_click=rec.undo)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        at = AppTest.from_function(app, default_timeout=30).run()
        at.number_input(key="n").increment().run()
        at.number_input(key="n").increment().run()
        at.button(key="u").click().run()
    no_exception(at)
    assert at.number_input(key="n").value == 1
    assert isinstance(at.session_state.db, sqlite3.Connection)
    mine = [w for w in caught if issubclass(w.category, TimetravelWarning)]
    assert len(mine) == 1 and "sqlite3.Connection" in str(mine[0].message)


def test_multipage_frames_record_the_page_and_one_frame_per_run() -> None:
    at = AppTest.from_file(str(EXAMPLES / "settings_wizard.py"), default_timeout=30).run()
    at.text_input(key="w_name").input("Ann")
    at.button(key="FormSubmitter:profile-Next").click().run()
    at.radio(key="w_theme").set_value("dark").run()
    no_exception(at)
    fs = frames(at)
    assert len(fs) == 3  # track() runs in the main script and in the page: one frame a run
    assert [f.page for f in fs[1:]] == ["Wizard", "Wizard"]
    assert fs[1].trigger == "form:profile" and fs[2].trigger == "w_theme"
    click(at, UNDO)
    assert at.radio(key="w_theme").value == "light" and at.session_state.theme == "light"
    assert len(frames(at)) == 4 and frames(at)[-1].page == "Wizard"


def test_fragment_reruns_show_up_in_the_next_frame() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()

        @st.fragment
        def counter() -> None:
            if st.button("+1", key="inc"):
                st.session_state.count = st.session_state.get("count", 0) + 1

        counter()
        st.text_input("Note", key="note")

    at = AppTest.from_function(app, default_timeout=30).run()
    at.button(key="inc").click().run()
    at.text_input(key="note").input("hi").run()
    no_exception(at)
    changed = {c.path[0] for f in frames(at) for c in f.changes}
    assert {"count", "note"} <= changed


def test_an_unwritable_record_dir_records_in_memory_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("TIMETRAVEL_RECORD_DIR", str(blocker / "recordings"))
    with caplog.at_level("WARNING", logger="timetravel"):
        at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
        add(at, "milk")
        click(at, UNDO)
    assert at.session_state.todos == []
    said = [r.getMessage() for r in caplog.records if r.name == "timetravel"]
    assert len([m for m in said if "in memory" in m]) == 1, said


# --- found in review: undo/redo steps must match what the user did ---------------------


def test_redo_after_undoing_to_before_the_app_set_up_its_state(todo_app: AppTest) -> None:
    at = todo_app
    add(at, "milk")
    click(at, UNDO)  # back to the first frame, before the app made `todos`
    assert at.session_state.todos == []
    click(at, REDO)
    assert [t["title"] for t in at.session_state.todos] == ["milk"]


def test_wizard_undo_three_then_redo_three() -> None:
    at = AppTest.from_file(str(EXAMPLES / "settings_wizard.py"), default_timeout=30).run()
    at.text_input(key="w_name").input("Ann")
    at.button(key="FormSubmitter:profile-Next").click().run()
    at.radio(key="w_theme").set_value("dark").run()
    at.toggle(key="w_notify").set_value(False).run()
    for _ in range(3):
        click(at, UNDO)
    assert at.session_state.step == 1
    for _ in range(3):
        click(at, REDO)
    assert at.session_state.theme == "dark" and at.session_state.notify is False
    assert at.toggle(key="w_notify").value is False


def test_a_form_submitted_first_can_be_undone() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        tt.undo_buttons()
        with st.form("f"):
            st.text_input("Name", key="name")
            st.form_submit_button("Send")

    at = AppTest.from_function(app, default_timeout=30).run()
    at.text_input(key="name").input("Ann")
    at.button(key="FormSubmitter:f-Send").click().run()
    assert not at.button(key=UNDO).disabled
    click(at, UNDO)
    assert at.text_input(key="name").value == ""


def test_undo_never_loops_when_streamlit_resets_a_value_its_widget_no_longer_offers() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        tt.undo_buttons()
        kind = st.radio("kind", ["fruit", "veg"], key="kind")
        options = {"fruit": ["apple", "pear"], "veg": ["kale", "leek"]}[kind]
        st.selectbox("item", options, key="item")

    at = AppTest.from_function(app, default_timeout=30).run()
    at.selectbox(key="item").set_value("pear").run()
    at.radio(key="kind").set_value("veg").run()
    at.selectbox(key="item").set_value("leek").run()
    seen = []
    for _ in range(3):
        click(at, UNDO)
        seen.append((at.radio(key="kind").value, at.selectbox(key="item").value))
    assert seen[-1][0] == "fruit" and len(set(seen)) == 3  # each undo went further back
    click(at, REDO)
    assert at.radio(key="kind").value in ("fruit", "veg")  # redo was not cut off


def test_redo_never_hands_the_app_a_stand_in_for_an_uncopyable_value() -> None:
    def app() -> None:
        import threading

        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        tt.undo_buttons()
        st.session_state.setdefault("objs", [])

        def add_lock() -> None:
            st.session_state.objs = [*st.session_state.objs, threading.Lock()]

        st.button("add", key="add", on_click=add_lock)
        with st.session_state.objs[-1] if st.session_state.objs else threading.Lock():
            pass

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TimetravelWarning)
        at = AppTest.from_function(app, default_timeout=30).run()
        click(at, "add")
        click(at, "add")
        click(at, UNDO)
        click(at, REDO)
        click(at, UNDO)
    no_exception(at)


def test_changes_sent_with_an_undo_click_are_named_and_undone() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        tt.undo_buttons()
        st.text_input("Name", key="name")

    at = AppTest.from_function(app, default_timeout=30).run()
    at.text_input(key="name").input("Ann").run()
    at.text_input(key="name").input("Bob")  # typed, not sent yet...
    at.button(key=UNDO).click().run()  # ...until Undo is clicked
    assert at.text_input(key="name").value == "Ann"
    assert [f.trigger for f in frames(at)][-2:] == ["name", "undo"]
    click(at, REDO)
    assert at.text_input(key="name").value == "Bob"


def _keyless_filters_app() -> None:
    # Streamlit's session-state guide, as written: a widget without a key, fed from state.
    import streamlit as st

    import timetravel.streamlit as tt

    if "filters" not in st.session_state:
        st.session_state.filters = {"size": 5}
    tt.track()
    tt.undo_buttons()
    size = st.slider("Size", 0, 10, value=st.session_state.filters["size"])
    st.session_state.filters["size"] = size


def test_a_keyless_widget_that_writes_state_is_named_in_one_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        at = AppTest.from_function(_keyless_filters_app, default_timeout=30).run()
        at.slider[0].set_value(8).run()
        at.slider[0].set_value(2).run()
        click(at, UNDO)
    mine = [str(w.message) for w in caught if issubclass(w.category, TimetravelWarning)]
    assert len(mine) == 1, mine  # once, not once per action
    assert "a slider without a key changed filters['size']" in mine[0]
    assert "key=" in mine[0]


def test_keyed_widgets_raise_no_keyless_warning(todo_app: AppTest) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        add(todo_app, "milk")
        todo_app.checkbox(key="done_0").check().run()
    assert not [w for w in caught if "without a key" in str(w.message)]


def test_without_an_end_of_run_hook_it_records_at_run_starts_with_one_warning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from timetravel.streamlit import _internals

    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        st.session_state.setdefault("count", 0)
        tt.track()
        tt.undo_buttons()

        def add() -> None:
            st.session_state.count += 1

        st.button("Add", key="add", on_click=add)

    monkeypatch.setattr(_internals, "hook_run_ends", lambda ctx, listener: False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        at = AppTest.from_function(app, default_timeout=30).run()
        click(at, "add")
        click(at, "add")
        click(at, UNDO)
    no_exception(at)
    assert at.session_state.count == 1  # state changed in callbacks: still one step each
    assert [f.trigger for f in frames(at)] == ["initial", "add", "add", "undo"]
    hook = [w for w in caught if "does not let timetravel see when a run ends" in str(w.message)]
    assert len(hook) == 1


def test_a_failure_while_settling_never_reaches_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    from timetravel.streamlit.session import StreamlitRecorder

    def broken(self: StreamlitRecorder) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(StreamlitRecorder, "_settle", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=30).run()
        add(at, "milk")
        add(at, "eggs")
    no_exception(at)
    assert [t["title"] for t in at.session_state.todos] == ["milk", "eggs"]
    assert len([w for w in caught if "disk on fire" in str(w.message)]) == 1


def test_a_second_quick_undo_ignores_the_stale_values_the_browser_sends_with_it(
    todo_app: AppTest,
) -> None:
    at = todo_app
    for title in ("alpha", "beta", "gamma"):
        add(at, title)
    click(at, "delete_0")
    at.checkbox(key="done_2").check().run()
    click(at, UNDO)  # gamma unchecked...
    assert at.checkbox(key="done_2").value is False
    # ...but the browser had not drawn that yet when the user clicked Undo again: the click
    # carries the checkbox as it was before the first Undo, which fires the app's callback.
    at.checkbox(key="done_2").check()
    at.button(key=UNDO).click().run()
    no_exception(at)
    assert [t["title"] for t in at.session_state.todos] == ["alpha", "beta", "gamma"]
    assert not any(t["done"] for t in at.session_state.todos)
    assert [f.trigger for f in frames(at)][-2:] == ["undo", "undo"]  # no action the user didn't do
    click(at, REDO)
    click(at, REDO)
    assert [t["title"] for t in at.session_state.todos] == ["beta", "gamma"]
    assert at.session_state.todos[1]["done"] is True
