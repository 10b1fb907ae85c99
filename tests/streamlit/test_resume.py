"""A session that dies comes back from its store with its state, widgets and undo history
(issue 10): AppTest sessions stand in for a refresh, a restart or another replica."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

import timetravel.streamlit.resume as resumption
from timetravel import Recording
from timetravel.stores import open_store

from .conftest import no_exception

APP = str(Path(__file__).parent / "apps" / "resume_app.py")


@pytest.fixture
def store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TT_TEST_STORE", store_url)
    return store_url


def start(session: str | None = None, **user: Any) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if session is not None:
        at.query_params[resumption.QUERY_PARAM] = session
    at.run()
    no_exception(at)
    return at


def session_id(at: AppTest) -> str:
    sid = at.query_params.get(resumption.QUERY_PARAM)
    sid = sid[0] if isinstance(sid, list) else sid
    assert isinstance(sid, str)
    return sid


def button(at: AppTest, label: str) -> Any:
    return next(b for b in at.button if b.label == label)


def add(at: AppTest, title: str) -> None:
    at.text_input(key="new_todo").input(title).run()
    no_exception(at)


def test_a_new_session_gets_an_unguessable_id_in_the_url(store: str) -> None:
    at = start()
    sid = session_id(at)
    assert len(sid) == 32 and int(sid, 16) >= 0  # 128 random bits
    assert session_id(start()) != sid


def test_a_refresh_resumes_state_widgets_and_the_whole_history(store: str) -> None:
    at = start()
    add(at, "milk")
    add(at, "eggs")
    at.checkbox(key="show_done").check().run()
    at.radio(key="sort").set_value("oldest").run()
    sid = session_id(at)

    again = start(sid)  # the same URL in a new browser session
    assert again.session_state.todos == ["milk", "eggs"]
    assert again.checkbox(key="show_done").value is True
    assert again.radio(key="sort").value == "oldest"
    assert session_id(again) == sid
    # Undo takes back what was done before the refresh, one action at a time.
    button(again, "Undo").click().run()
    assert again.radio(key="sort").value == "newest"
    button(again, "Undo").click().run()
    assert again.checkbox(key="show_done").value is False
    button(again, "Undo").click().run()
    assert again.session_state.todos == ["milk"]
    button(again, "Redo").click().run()
    assert again.session_state.todos == ["milk", "eggs"]
    add(again, "bread")  # new frames continue the same recording
    again.session_state["_timetravel"].stream.sync()  # SQL stores write in the background
    recording = Recording.open(open_store(store), session=sid)
    assert recording.state_at(-1)["todos"] == ["milk", "eggs", "bread"]
    assert recording.state_at(1)["todos"] == ["milk"]

    third = start(sid)  # and the next refresh sees all of it
    assert third.session_state.todos == ["milk", "eggs", "bread"]
    button(third, "Undo").click().run()
    assert third.session_state.todos == ["milk", "eggs"]


@pytest.mark.parametrize("asked", ["0" * 32, "../../etc/passwd", "x" * 500, ""])
def test_an_unknown_or_malformed_id_starts_a_fresh_session(store: str, asked: str) -> None:
    first = start()
    add(first, "private")
    at = start(asked)
    assert at.session_state.todos == []
    assert session_id(at) not in (asked, session_id(first))


def test_a_session_resumes_only_for_the_user_who_made_it(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resumption, "current_user", lambda: "alice@example.com")
    at = start()
    add(at, "alice's secret")
    sid = session_id(at)
    monkeypatch.setattr(resumption, "current_user", lambda: "mallory@example.com")
    other = start(sid)
    assert other.session_state.todos == []
    assert session_id(other) != sid
    add(other, "mallory's")
    monkeypatch.setattr(resumption, "current_user", lambda: None)  # logged out
    assert start(sid).session_state.todos == []
    monkeypatch.setattr(resumption, "current_user", lambda: "alice@example.com")
    back = start(sid)  # alice's session is untouched
    assert back.session_state.todos == ["alice's secret"]


def test_st_user_decides_who_owns_a_session(store: str) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    if not hasattr(at, "user"):
        pytest.skip("this Streamlit's AppTest can't log a user in (AppTest.user)")
    at.user = {"is_logged_in": True, "email": "alice@example.com"}  # type: ignore[attr-defined]
    at.run()
    add(at, "alice's")
    sid = session_id(at)
    other = AppTest.from_file(APP, default_timeout=30)
    other.user = {"is_logged_in": True, "email": "bob@example.com"}  # type: ignore[attr-defined]
    other.query_params[resumption.QUERY_PARAM] = sid
    other.run()
    assert other.session_state.todos == []
    same = AppTest.from_file(APP, default_timeout=30)
    same.user = {"is_logged_in": True, "email": "alice@example.com"}  # type: ignore[attr-defined]
    same.query_params[resumption.QUERY_PARAM] = sid
    same.run()
    assert same.session_state.todos == ["alice's"]


def test_a_duplicated_tab_forks_into_its_own_session_which_resumes_too(store: str) -> None:
    first = start()
    add(first, "shared")
    sid = session_id(first)
    second = start(sid)  # the same URL in a second tab, while the first is still open
    add(first, "from the first tab")
    first.session_state["_timetravel"].stream.sync()
    add(second, "from the second tab")  # its row is taken: it forks, history copied
    second.session_state["_timetravel"].stream.sync()
    second.run()  # the next run puts the fork's id in its URL
    forked = session_id(second)
    assert forked != sid and session_id(first) == sid
    assert start(sid).session_state.todos == ["shared", "from the first tab"]
    back = start(forked)  # a refresh of the second tab
    assert back.session_state.todos == ["shared", "from the second tab"]
    button(back, "Undo").click().run()
    assert back.session_state.todos == ["shared"]
