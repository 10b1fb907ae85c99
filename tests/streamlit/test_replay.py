"""Recordings that reproduce and guard: inputs in frames, `timetravel replay`, `open`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from tests.streamlit.conftest import EXAMPLES
from timetravel import REDACTED, Recorder, Recording
from timetravel._format import decode_frame, decode_inputs, frame_payload
from timetravel.cli import main
from timetravel.model import Frame, Input
from timetravel.streamlit import session as session_module
from timetravel.streamlit.replay import ReplayError, replay
from timetravel.testing import history, jump, redo, undo

TIMEOUT = 30


def record(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, app: Path, steps: Any) -> Path:
    """Run ``steps(at)`` on ``app`` under AppTest, recording to a file; the file."""
    folder = tmp_path / "records"
    monkeypatch.setenv("TIMETRAVEL_RECORD_DIR", str(folder))
    monkeypatch.delenv("TIMETRAVEL_STORE", raising=False)
    at = AppTest.from_file(str(app), default_timeout=TIMEOUT).run()
    steps(at)
    assert not at.exception, [e.value for e in at.exception]
    monkeypatch.delenv("TIMETRAVEL_RECORD_DIR")
    (path,) = folder.glob("*.ttrec")
    return path


def todo_session(at: AppTest) -> None:
    at.text_input(key="new_todo").input("alpha").run()
    at.text_input(key="new_todo").input("beta").run()
    at.checkbox(key="done_1").check().run()
    at.text_input(key="title_0").input("ALPHA").run()
    at.button(key="delete_1").click().run()
    undo(at)
    at.text_input(key="new_todo").input("gamma")  # typed, then Undo: one request
    undo(at)
    redo(at)
    at.radio(key="filter").set_value("open").run()
    jump(at, 3)
    undo(at)


def wizard_session(at: AppTest) -> None:
    at.text_input(key="w_name").input("Ann")
    at.text_input(key="w_email").input("ann@example.com")
    at.button(key="FormSubmitter:profile-Next").click().run()  # a form submit
    at.radio(key="w_theme").set_value("dark").run()
    at.toggle(key="w_notify").set_value(False).run()
    at.slider(key="w_font_size").set_value(18).run()
    undo(at)
    at.button(key="back_2").click().run()
    at.button(key="FormSubmitter:profile-Next").click().run()
    at.button(key="next_2").click().run()
    at.button(key="save").click().run()
    undo(at)
    redo(at)


@pytest.fixture
def todo_recording(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return record(monkeypatch, tmp_path, EXAMPLES / "todo.py", todo_session)


# --- the format -------------------------------------------------------------------------------


def test_frames_carry_what_the_user_sent(todo_recording: Path) -> None:
    frames = list(Recording.open(todo_recording))
    assert frames[0].inputs == ()
    assert frames[1].inputs == (Input("new_todo", "value", "alpha"),)
    assert frames[3].inputs == (Input("done_1", "value", True),)
    assert frames[5].inputs == (Input("delete_1", "click"),)
    assert frames[6].inputs == (Input("_timetravel_buttons_undo", "click"),)
    # Typed, then Undo: the typing is a frame of its own, the undo comes from the same request.
    typed, undone = frames[7], frames[8]
    assert typed.inputs == (
        Input("new_todo", "value", "gamma"),
        Input("_timetravel_buttons_undo", "click"),
    )
    assert undone.trigger == "undo" and undone.inputs == (Input(None, "same"),)
    assert [f.inputs for f in frames if f.trigger == "jump"] == [
        (Input("_timetravel_jump_3", "click"),)
    ]


def test_inputs_round_trip_and_hostile_ones_read_as_absent() -> None:
    frame = Frame(
        3, 1.0, "k", None, None, (), None, ((0, 3),), (Input("k", "value", {"a": (1, 2)}),)
    )
    back = decode_frame(frame_payload(frame, frame.changes))
    assert back.inputs == frame.inputs and back.line_ops == ((0, 3),)
    # Inputs without line operations: the 8th and 9th items are nil.
    plain = Frame(0, 1.0, None, None, None, (), inputs=(Input(None, "rerun"),))
    assert decode_frame(frame_payload(plain, ())).inputs == (Input(None, "rerun"),)
    assert decode_frame(frame_payload(plain, ())).line_ops is None
    for bad in (
        "x",
        [["k", "value"]],
        [[1, "value", 2]],
        [["k", "teleport", None]],
        [["k", "rerun", None]],
        [[None, "same", 3]],
        [["k" * 200_000, "click", None]],
        [[None, "rerun", None]] * 10_001,
    ):
        assert decode_inputs(bad) is None, bad
    assert decode_inputs([]) == ()


def test_a_secret_widget_value_is_redacted_and_replay_says_it_cant_set_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = tmp_path / "login.py"
    app.write_text(
        "import streamlit as st\nimport timetravel.streamlit as tt\n\ntt.track()\n"
        "st.text_input('Password', key='password', type='password')\n"
    )
    path = record(
        monkeypatch, tmp_path, app, lambda at: at.text_input(key="password").input("hunter2").run()
    )
    assert b"hunter2" not in path.read_bytes()
    assert Recording.open(path)[1].inputs == (Input("password", "value", REDACTED),)
    with pytest.raises(ReplayError, match="secret"):
        replay(path, app)


# --- replay -------------------------------------------------------------------------------------


def test_replaying_a_todo_session_passes(todo_recording: Path) -> None:
    result = replay(todo_recording, EXAMPLES / "todo.py")
    assert result.ok, result.describe()
    assert result.frames > 10
    out = CliRunner().invoke(main, ["replay", str(todo_recording), str(EXAMPLES / "todo.py")])
    assert out.exit_code == 0, out.output
    assert "the app behaves as recorded" in out.output


def test_replaying_a_settings_wizard_session_passes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = EXAMPLES / "settings_wizard.py"
    path = record(monkeypatch, tmp_path, app, wizard_session)
    triggers = [f.trigger for f in Recording.open(path)]
    assert "form:profile" in triggers and "save" in triggers and "undo" in triggers
    result = replay(path, app)
    assert result.ok, result.describe()


def test_an_app_whose_callback_appends_twice_fails_with_the_key_path(
    todo_recording: Path, tmp_path: Path
) -> None:
    source = (EXAMPLES / "todo.py").read_text()
    append = (
        "        st.session_state.todos.append(\n"
        '            {"id": st.session_state.next_id, "title": title, "done": False}\n'
        "        )\n"
        "        st.session_state.next_id += 1\n"
    )
    assert append in source
    broken = tmp_path / "todo.py"
    broken.write_text(source.replace(append, append + append))
    out = CliRunner().invoke(main, ["replay", str(todo_recording), str(broken)])
    assert out.exit_code == 1, out.output
    assert "frame 1 (trigger new_todo; sent: set new_todo='alpha')" in out.output
    assert "+ todos[1] = " in out.output  # the key path of the second, extra todo


def test_a_missing_widget_is_a_divergence(todo_recording: Path, tmp_path: Path) -> None:
    source = (EXAMPLES / "todo.py").read_text()
    broken = tmp_path / "todo.py"
    broken.write_text(source.replace('key=f"delete_', 'key=f"remove_'))
    result = replay(todo_recording, broken)
    assert not result.ok
    assert result.divergence is not None
    assert result.divergence.frame.index == 5
    assert "no widget with key 'delete_1' to click" in (result.divergence.problem or "")


def test_a_recording_without_inputs_says_so_and_exits_2(tmp_path: Path) -> None:
    state: dict[str, Any] = {"n": 0}
    path = tmp_path / "old.ttrec"
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["n"] = 1
        rec.capture(trigger="add")
    out = CliRunner().invoke(main, ["replay", str(path), str(EXAMPLES / "todo.py")])
    assert out.exit_code == 2
    assert "frame 1 was recorded without its inputs" in out.output
    assert len(out.output.strip().splitlines()) == 1


def test_recording_goes_on_when_reading_inputs_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken() -> Any:
        raise RuntimeError("no widgets today")

    monkeypatch.setattr(session_module.internals, "sent_inputs", broken)
    monkeypatch.delenv("TIMETRAVEL_RECORD_DIR", raising=False)
    with pytest.warns(Warning, match="could not record the inputs"):
        at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=TIMEOUT).run()
        at.text_input(key="new_todo").input("alpha").run()
    assert not at.exception
    assert [f.trigger for f in history(at)] == ["initial", "new_todo"]
    assert history(at)[1].inputs is None
    undo(at)
    assert at.session_state["todos"] == []


# --- the AppTest helpers --------------------------------------------------------------------


def test_helpers_undo_redo_jump_and_history(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIMETRAVEL_RECORD_DIR", raising=False)
    at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=TIMEOUT).run()
    with pytest.raises(AssertionError, match="Undo button is disabled"):
        undo(at)
    at.text_input(key="new_todo").input("alpha").run()
    at.text_input(key="new_todo").input("beta").run()
    assert undo(at) is at
    assert [t["title"] for t in at.session_state["todos"]] == ["alpha"]
    redo(at)
    jump(at, 0)
    assert at.session_state["todos"] == []
    assert [(f.index, f.trigger) for f in history(at)] == [
        (0, "initial"),
        (1, "new_todo"),
        (2, "new_todo"),
        (3, "undo"),
        (4, "redo"),
        (5, "jump"),
    ]
    with pytest.raises(LookupError, match="no history button of frame 99"):
        jump(at, 99)


# --- open -------------------------------------------------------------------------------------


def test_open_starts_the_first_session_at_frame_n(
    todo_recording: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMETRAVEL_START_FROM", str(todo_recording))
    monkeypatch.setenv("TIMETRAVEL_START_FRAME", "4")  # after renaming todo 0 to ALPHA
    at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.text_input(key="title_0").value == "ALPHA"
    assert at.checkbox(key="done_1").value is True
    assert at.text_input(key="title_1").value == "beta"
    assert [f.trigger for f in history(at)] == ["initial"]  # it records from there
    at.button(key="delete_0").click().run()
    assert [t["title"] for t in at.session_state["todos"]] == ["beta"]
    undo(at)
    assert at.text_input(key="title_0").value == "ALPHA"

    # Only the first session of the process starts there.
    again = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=TIMEOUT).run()
    assert again.session_state["todos"] == []


def test_track_start_from_defaults_to_the_last_frame(
    todo_recording: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIMETRAVEL_RECORD_DIR", raising=False)
    last = Recording.open(todo_recording).state_at(-1)

    def app(path: str) -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track(start_from=path)
        st.radio("Show", ["all", "open", "done"], key="filter")

    at = AppTest.from_function(app, args=(str(todo_recording),), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.session_state["todos"] == last["todos"]
    assert at.radio(key="filter").value == last["filter"]


def test_open_a_bad_recording_or_frame_warns_and_starts_afresh(
    tmp_path: Path, todo_recording: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIMETRAVEL_RECORD_DIR", raising=False)
    monkeypatch.setenv("TIMETRAVEL_START_FROM", str(tmp_path / "nowhere.ttrec"))
    with pytest.warns(Warning, match="can't start from"):
        at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=TIMEOUT).run()
    assert not at.exception and at.session_state["todos"] == []
    out = CliRunner().invoke(
        main, ["open", str(todo_recording), str(EXAMPLES / "todo.py"), "--frame", "999"]
    )
    assert out.exit_code == 2 and "frame 999 is not in" in out.output


def test_open_command_runs_streamlit_with_the_recording(
    todo_recording: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import timetravel.cli

    # What would replace this process (os.execve): the command and its environment.
    calls: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(timetravel.cli, "_run_streamlit", lambda cmd, env: calls.append((cmd, env)))
    app = str(EXAMPLES / "todo.py")
    out = CliRunner().invoke(
        main, ["open", str(todo_recording), app, "--frame", "3", "--", "--server.port", "8765"]
    )
    assert out.exit_code == 0, out.output
    ((cmd, env),) = calls
    assert cmd[1:] == ["-m", "streamlit", "run", app, "--server.port", "8765"]
    assert env["TIMETRAVEL_START_FROM"] == str(todo_recording.resolve())
    assert env["TIMETRAVEL_START_FRAME"] == "3"
