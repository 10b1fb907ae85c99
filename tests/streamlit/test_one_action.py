"""Acceptance tests: one Undo takes back exactly one user action.

Each app is written the way Streamlit's docs and tutorials write it. Every user interaction
(a widget change, a click, a form submit, with every run that ``st.rerun()`` chains onto it)
must be one frame named after what the user did; clicking Undo k times must show exactly the
screen the user saw k actions ago, and Redo must walk forward the same way.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from tests.streamlit.conftest import EXAMPLES
from tests.streamlit.undo_check import (
    REDO,
    UNDO,
    Screen,
    click,
    disabled,
    explain,
    frames,
    interact,
    no_exception,
    one_new_frame,
    redo,
    run_fragment,
    screen,
    undo,
    walk_back_and_forth,
)

TIMEOUT = 30


def start(app: Any) -> AppTest:
    at = AppTest.from_function(app, default_timeout=TIMEOUT).run()
    no_exception(at, "the first run")
    assert [f.trigger for f in frames(at)] == ["initial"]
    return at


def start_todo() -> AppTest:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("TIMETRAVEL_RECORD_DIR", raising=False)  # record in memory only
        at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=TIMEOUT).run()
    no_exception(at, "the first run")
    return at


# --- plain widgets: the baseline ----------------------------------------------------------


def test_plain_widgets_each_change_is_one_undo_step() -> None:
    """Widgets with keys and nothing else: every widget type `screen()` reads."""

    def app() -> None:
        import datetime

        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        tt.undo_buttons()
        st.header("Preferences")
        name = st.text_input("Name", key="name")
        bio = st.text_area("Bio", key="bio")
        age = st.number_input("Age", 0, 120, 30, key="age")
        size = st.select_slider("Size", ["S", "M", "L"], value="M", key="size")
        fruit = st.selectbox("Fruit", ["apple", "pear"], key="fruit")
        pet = st.radio("Pet", ["cat", "dog"], key="pet")
        dark = st.toggle("Dark mode", key="dark")
        news = st.checkbox("Newsletter", key="news")
        day = st.date_input("Day", datetime.date(2024, 1, 1), key="day")
        color = st.color_picker("Color", "#000000", key="color")
        st.subheader("Summary")
        st.text(f"{name}|{bio}|{age}|{size}|{fruit}|{pet}|{dark}|{news}|{day}|{color}")
        st.metric("Age", age)

    at = start(app)
    walk_back_and_forth(
        at,
        [
            ("type a name", lambda at: at.text_input(key="name").input("Ann").run()),
            ("write a bio", lambda at: at.text_area(key="bio").input("Hi").run()),
            ("age up", lambda at: at.number_input(key="age").increment().run()),
            ("size L", lambda at: at.select_slider(key="size").set_value("L").run()),
            ("pear", lambda at: at.selectbox(key="fruit").select("pear").run()),
            ("dog", lambda at: at.radio(key="pet").set_value("dog").run()),
            ("dark mode", lambda at: at.toggle(key="dark").set_value(True).run()),
            ("newsletter", lambda at: at.checkbox(key="news").check().run()),
            (
                "a day",
                lambda at: at.date_input(key="day").set_value(datetime.date(2024, 2, 2)).run(),
            ),
            ("a color", lambda at: at.color_picker(key="color").pick("#ff0000").run()),
        ],
        triggers=["name", "bio", "age", "size", "fruit", "pet", "dark", "news", "day", "color"],
    )


# --- a. the body writes to state after a widget ---------------------------------------------


def test_body_writes_after_a_widget_undo_one_widget_change_at_a_time() -> None:
    """Streamlit's session-state guide: copy widget values into a dict in the body."""

    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        if "filters" not in st.session_state:
            st.session_state.filters = {"slider": 50, "categories": []}
            st.session_state.slider = 50
            st.session_state.categories = []
        tt.track()
        tt.undo_buttons()

        slider = st.slider("Value", 0, 100, key="slider")
        categories = st.multiselect("Categories", ["a", "b", "c"], key="categories")
        st.session_state.filters["slider"] = slider
        st.session_state.filters["categories"] = categories
        st.write(st.session_state.filters)

    at = start(app)
    screens = walk_back_and_forth(
        at,
        [
            ("slider to 20", lambda at: at.slider(key="slider").set_value(20).run()),
            ("slider to 80", lambda at: at.slider(key="slider").set_value(80).run()),
            ("select a", lambda at: at.multiselect(key="categories").select("a").run()),
        ],
        triggers=["slider", "slider", "categories"],
    )
    # The dict written by the body follows the widgets, step by step.
    assert [s[-1][3] for s in screens] == [
        '{"slider": 50, "categories": []}',
        '{"slider": 20, "categories": []}',
        '{"slider": 80, "categories": []}',
        '{"slider": 80, "categories": ["a"]}',
    ]


# --- b. a redirect with st.rerun() ----------------------------------------------------------


def _navigation_app() -> None:
    import streamlit as st

    import timetravel.streamlit as tt

    if "nav" not in st.session_state:
        st.session_state.nav = {"page": "home", "logged_in": False}
    tt.track()
    tt.undo_buttons()

    def navigate_to(page: str) -> None:
        st.session_state.nav["page"] = page

    def log_in() -> None:
        st.session_state.nav["logged_in"] = True
        navigate_to("dashboard")

    def log_out() -> None:
        st.session_state.nav["logged_in"] = False
        navigate_to("home")

    nav = st.session_state.nav
    home, dashboard = st.columns(2)
    home.button("Home", key="go_home", on_click=navigate_to, args=("home",))
    dashboard.button("Dashboard", key="go_dashboard", on_click=navigate_to, args=("dashboard",))

    if nav["page"] == "home":
        st.title("Home")
    elif nav["page"] == "dashboard":
        if not nav["logged_in"]:
            navigate_to("login")
            st.rerun()
        st.title("Dashboard")
        st.write("Welcome back!")
        st.button("Log out", key="logout", on_click=log_out)
    elif nav["page"] == "login":
        st.title("Log in")
        st.button("Log in", key="login", on_click=log_in)


def test_a_redirect_with_st_rerun_is_part_of_the_click() -> None:
    at = start(_navigation_app)
    home = screen(at)
    interact(at, "click Dashboard", lambda at: click(at, "go_dashboard"), "go_dashboard")
    assert at.title[0].value == "Log in"  # redirected: logged out
    before = len(frames(at))
    undo(at)
    no_exception(at, "Undo")
    one_new_frame(at, before, "Undo", "undo")
    # Back where the user was before clicking Dashboard, not on the dashboard half-way.
    assert screen(at) == home, explain("Undo after the redirect", home, screen(at))
    assert disabled(at, UNDO)


def test_navigation_with_a_redirect_undo_and_redo_each_click() -> None:
    at = start(_navigation_app)
    walk_back_and_forth(
        at,
        [
            ("click Dashboard (redirected to login)", lambda at: click(at, "go_dashboard")),
            ("log in (to the dashboard)", lambda at: click(at, "login")),
            ("log out (home)", lambda at: click(at, "logout")),
            ("click Dashboard again (redirected)", lambda at: click(at, "go_dashboard")),
        ],
        triggers=["go_dashboard", "login", "logout", "go_dashboard"],
    )


# --- c. a flag set in the body opens a dialog -----------------------------------------------

# AppTest (Streamlit 1.67) does render a dialog's contents: they are drawn in the root's third
# block (where the browser draws overlays), not in `at.main`; `at.text_input(key=...)` and
# `at.button(key=...)` find them and `screen()` lists them as region "dialog".


def test_a_dialog_opened_by_a_flag_set_in_the_body() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        if "name" not in st.session_state:
            st.session_state.name = "Untitled"
        tt.undo_buttons()

        @st.dialog("Rename")
        def rename_dialog() -> None:
            st.text_input("New name", key="new_name")
            if st.button("Save", key="save"):
                st.session_state.name = st.session_state.new_name
                st.session_state.renaming = False
                st.rerun()

        st.title(st.session_state.name)
        if st.button("Rename", key="rename"):
            st.session_state.renaming = True
        if st.session_state.get("renaming"):
            rename_dialog()

    at = start(app)
    screens = walk_back_and_forth(
        at,
        [
            ("click Rename (the dialog opens)", lambda at: click(at, "rename")),
            ("type in the dialog", lambda at: at.text_input(key="new_name").input("Q3").run()),
            ("click Save (the dialog closes)", lambda at: click(at, "save")),
        ],
        triggers=["rename", "new_name", "save"],
    )
    regions = [{region for region, *_ in s} for s in screens]
    assert regions == [{"main"}, {"main", "dialog"}, {"main", "dialog"}, {"main"}]
    assert at.title[0].value == "Q3"


# --- d. type, then click, in one round trip -------------------------------------------------


def test_typing_then_clicking_save_is_one_action_named_by_the_button() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        if "shopping" not in st.session_state:
            st.session_state.shopping = []
        tt.track()
        tt.undo_buttons()

        st.text_input("Item", key="item")
        if st.button("Save", key="save"):
            st.session_state.shopping.append(st.session_state.item)
            st.rerun()
        for item in st.session_state.shopping:
            st.markdown(f"- {item}")

    def type_and_save(text: str) -> Any:
        def act(at: AppTest) -> AppTest:
            at.text_input(key="item").input(text)
            return at.button(key="save").click().run()

        return act

    at = start(app)
    walk_back_and_forth(
        at,
        [
            ("type milk, click Save", type_and_save("milk")),
            ("type eggs, Save", type_and_save("eggs")),
        ],
        triggers=["save", "save"],
    )


# --- e. the todo example --------------------------------------------------------------------


def test_todo_example_undo_and_redo_every_step() -> None:
    at = start_todo()
    screens = walk_back_and_forth(
        at,
        [
            ("add alpha", lambda at: at.text_input(key="new_todo").input("alpha").run()),
            ("add beta", lambda at: at.text_input(key="new_todo").input("beta").run()),
            ("add gamma", lambda at: at.text_input(key="new_todo").input("gamma").run()),
            ("delete alpha", lambda at: click(at, "delete_0")),
            ("check gamma", lambda at: at.checkbox(key="done_2").check().run()),
        ],
        triggers=["new_todo", "new_todo", "new_todo", "delete_0", "done_2"],
    )
    titles = [tuple(v for _, kind, key, v in s if key.startswith("title_")) for s in screens]
    assert titles == [
        (),
        ("alpha",),
        ("alpha", "beta"),
        ("alpha", "beta", "gamma"),
        ("beta", "gamma"),
        ("beta", "gamma"),
    ]
    undo(at)
    undo(at)
    no_exception(at, "two Undos")
    assert at.text_input(key="title_0").value == "alpha"
    assert at.checkbox(key="done_2").value is False
    assert screen(at) == screens[3], explain("two Undos", screens[3], screen(at))


# --- f. a change inside a fragment ------------------------------------------------------------


def _fragment_app() -> None:
    import streamlit as st

    import timetravel.streamlit as tt

    tt.track()
    tt.undo_buttons()

    @st.fragment
    def volume() -> None:
        level = st.slider("Volume", 0, 10, key="inner")
        st.write(f"Volume is {level}")

    volume()
    st.text_input("Note", key="note")


def test_a_change_inside_a_fragment_enables_undo_at_once() -> None:
    """The browser reruns only the fragment; the Undo button outside it must still light up."""
    at = start(_fragment_app)
    first = screen(at)
    at.slider(key="inner").set_value(7)
    before = len(frames(at))
    run_fragment(at)
    no_exception(at, "moving the slider in the fragment")
    one_new_frame(at, before, "moving the slider in the fragment", "inner")
    assert at.slider(key="inner").value == 7
    assert not disabled(at, UNDO), "Undo is disabled right after a change inside a fragment"
    moved = screen(at)

    before = len(frames(at))
    undo(at)
    no_exception(at, "Undo")
    one_new_frame(at, before, "Undo", "undo")
    assert at.slider(key="inner").value == 0
    assert screen(at) == first, explain("Undo", first, screen(at))
    assert disabled(at, UNDO)

    before = len(frames(at))
    redo(at)
    one_new_frame(at, before, "Redo", "redo")
    assert screen(at) == moved, explain("Redo", moved, screen(at))
    assert disabled(at, REDO)


def test_fragment_and_outside_widgets_walk_back_and_forth() -> None:
    at = start(_fragment_app)

    def move(value: int) -> Any:
        def act(at: AppTest) -> AppTest:
            at.slider(key="inner").set_value(value)
            return run_fragment(at)

        return act

    walk_back_and_forth(
        at,
        [
            ("slider to 3 (fragment rerun)", move(3)),
            ("type a note", lambda at: at.text_input(key="note").input("loud").run()),
            ("slider to 9 (fragment rerun)", move(9)),
        ],
        triggers=["inner", "note", "inner"],
    )


# --- g. Undo after a jump ---------------------------------------------------------------------


def test_undo_after_a_jump_takes_back_the_jump() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        tt.undo_buttons()
        name = st.text_input("Name", key="name")
        age = st.number_input("Age", 0, 120, key="age")
        st.write(f"{name or 'Nobody'} is {age}")
        tt.history_panel()

    at = start(app)
    s0 = screen(at)
    f1 = interact(at, "type Ann", lambda at: at.text_input(key="name").input("Ann").run(), "name")
    s1 = screen(at)
    interact(at, "age 30", lambda at: at.number_input(key="age").set_value(30).run(), "age")
    interact(at, "type Bea", lambda at: at.text_input(key="name").input("Bea").run(), "name")
    s3 = screen(at)
    assert len({s0, s1, s3}) == 3

    jump = interact(at, "jump", lambda at: click(at, f"_timetravel_jump_{f1.index}"), "jump")
    assert jump.restores == f1.index
    assert screen(at) == s1, explain("jump to the first action", s1, screen(at))

    u = interact(at, "Undo after the jump", undo, "undo")
    assert u.restores is not None
    assert screen(at) == s3, explain("Undo after the jump", s3, screen(at))

    interact(at, "Redo the jump", redo, "redo")
    assert screen(at) == s1, explain("Redo the jump", s1, screen(at))
    assert disabled(at, REDO)


def test_a_jump_that_changes_nothing_is_not_an_undo_step() -> None:
    """A jump to a frame whose state is already shown (here the frame Undo just restored)
    changes nothing: like any interaction without changes it adds no undo step, and Redo
    still offers the undone action. (Found by the random sessions below.)"""
    at = start_todo()
    first = screen(at)
    interact(at, "show done", lambda at: at.radio(key="filter").set_value("done").run(), "filter")
    done = screen(at)
    back = interact(at, "Undo", undo, "undo")
    assert screen(at) == first, explain("Undo", first, screen(at))

    jump = interact(at, "jump", lambda at: click(at, f"_timetravel_jump_{back.index}"), "jump")
    assert jump.changes == ()
    assert screen(at) == first, explain("jump to the same state", first, screen(at))
    assert disabled(at, UNDO), "a jump that changed nothing enabled Undo (an Undo doing nothing)"
    assert not disabled(at, REDO), "a jump that changed nothing dropped Redo"
    interact(at, "Redo", redo, "redo")
    assert screen(at) == done, explain("Redo", done, screen(at))


# --- h. a form, then a checkbox ---------------------------------------------------------------


def test_a_form_submit_is_one_action() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        tt.undo_buttons()
        with st.form("profile"):
            st.text_input("Name", key="name")
            st.text_input("Email", key="email")
            st.form_submit_button("Save")
        # (No `if submitted: st.success(...)`: output drawn only in the run where a button
        # returned True is not state, and no restore can show it again.)
        st.checkbox("Subscribe to the newsletter", key="subscribe")
        st.write(f"Name: {st.session_state.name}, email: {st.session_state.email}")

    def fill(name: str, email: str) -> Any:
        def act(at: AppTest) -> AppTest:
            at.text_input(key="name").input(name)
            at.text_input(key="email").input(email)
            return at.button(key="FormSubmitter:profile-Save").click().run()

        return act

    at = start(app)
    walk_back_and_forth(
        at,
        [
            ("fill in the form, Save", fill("Ann", "ann@example.com")),
            ("check Subscribe", lambda at: at.checkbox(key="subscribe").check().run()),
            ("change the name, Save", fill("Anna", "ann@example.com")),
        ],
        triggers=["form:profile", "subscribe", "form:profile"],
    )


# --- i. callbacks ---------------------------------------------------------------------------


def test_callbacks_on_click_and_on_change() -> None:
    """Streamlit's session-state docs: counters changed in callbacks."""

    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        if "count" not in st.session_state:
            st.session_state.count = 0
            st.session_state.last_updated = "never"
        tt.track()
        tt.undo_buttons()

        def increment_counter(increment_value: int = 1) -> None:
            st.session_state.count += increment_value

        def decrement_counter() -> None:
            st.session_state.count -= 1

        def update_step() -> None:
            st.session_state.last_updated = f"step set to {st.session_state.step}"

        step = st.number_input("Step", 1, 10, key="step", on_change=update_step)
        st.button("Increment", key="increment", on_click=increment_counter, args=(step,))
        st.button("Decrement", key="decrement", on_click=decrement_counter)
        st.write("Count = ", st.session_state.count)
        st.caption(f"Last updated: {st.session_state.last_updated}")

    at = start(app)
    walk_back_and_forth(
        at,
        [
            ("Increment", lambda at: click(at, "increment")),
            ("step to 5", lambda at: at.number_input(key="step").set_value(5).run()),
            ("Increment by 5", lambda at: click(at, "increment")),
            ("Decrement", lambda at: click(at, "decrement")),
        ],
        triggers=["increment", "step", "increment", "decrement"],
    )


# --- j. a button with body effects, below the Undo button -----------------------------------


def _counter_app() -> None:
    import streamlit as st

    import timetravel.streamlit as tt

    st.title("Counter Example")
    tt.track()
    if "count" not in st.session_state:
        st.session_state.count = 0
    tt.undo_buttons()

    if st.button("Increment", key="increment"):
        st.session_state.count += 1

    st.write("Count = ", st.session_state.count)


def test_counter_the_first_click_enables_undo() -> None:
    at = start(_counter_app)
    assert disabled(at, UNDO)
    interact(at, "click Increment", lambda at: click(at, "increment"), "increment")
    assert at.session_state.count == 1
    assert not disabled(at, UNDO), "Undo (drawn above the button) is disabled after the click"


def test_counter_walk_back_and_forth() -> None:
    at = start(_counter_app)
    screens = walk_back_and_forth(
        at,
        [(f"click Increment #{n}", lambda at: click(at, "increment")) for n in (1, 2, 3)],
        triggers=["increment"] * 3,
    )
    assert [s[-1][3] for s in screens] == [f"Count =  `{n}`" for n in range(4)]


# --- k. random sessions on the todo example --------------------------------------------------

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from(["milk", "eggs", "tea"])),
        st.tuples(st.just("toggle"), st.integers(0, 5)),
        st.tuples(st.just("rename"), st.integers(0, 5)),
        st.tuples(st.just("delete"), st.integers(0, 5)),
        st.tuples(st.just("filter"), st.sampled_from(["all", "open", "done"])),
        st.tuples(st.just("undo"), st.none()),
        st.tuples(st.just("redo"), st.none()),
        st.tuples(st.just("jump"), st.integers(0, 30)),
    ),
    min_size=3,
    max_size=12,
)


def _todo_ids(at: AppTest) -> list[int]:
    return [int(str(c.key).removeprefix("done_")) for c in at.checkbox if c.key]


def _able(enabled: bool) -> str:
    return "enabled" if enabled else "disabled"


def _plan(at: AppTest, op: str, arg: Any) -> tuple[Callable[[AppTest], object], str] | None:
    """The interaction for ``op`` on the current screen and its trigger; None if impossible."""
    visible = _todo_ids(at)
    if op == "add":
        return (lambda at: at.text_input(key="new_todo").input(arg).run()), "new_todo"
    if op in ("toggle", "rename", "delete") and visible:
        i = visible[arg % len(visible)]
        if op == "toggle":
            box = at.checkbox(key=f"done_{i}")
            return (lambda at: box.set_value(not box.value).run()), f"done_{i}"
        if op == "rename":
            title = at.text_input(key=f"title_{i}")
            if title.value == f"renamed {i}":
                return None  # a browser sends nothing for an unchanged text box
            return (lambda at: title.input(f"renamed {i}").run()), f"title_{i}"
        return (lambda at: click(at, f"delete_{i}")), f"delete_{i}"
    if op == "filter" and at.radio(key="filter").value != arg:
        return (lambda at: at.radio(key="filter").set_value(arg).run()), "filter"
    if op == "undo" and not disabled(at, UNDO):
        return undo, "undo"
    if op == "redo" and not disabled(at, REDO):
        return redo, "redo"
    if op == "jump":
        keys = [
            str(b.key)
            for b in at.sidebar.button
            if b.key and b.key.startswith("_timetravel_jump_") and not b.disabled
        ]
        if keys:
            key = keys[arg % len(keys)]
            return (lambda at: click(at, key)), "jump"
    return None


@settings(
    max_examples=int(os.environ.get("TT_APPTEST_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # Shrinking a failing session reruns the app hundreds of times (minutes): opt in with
    # TT_APPTEST_SHRINK=1. Failure messages list the session's steps either way.
    phases=[p for p in Phase if p is not Phase.shrink or os.environ.get("TT_APPTEST_SHRINK")],
)
@given(OPS)
def test_random_todo_sessions_follow_the_undo_line(ops: list[tuple[str, Any]]) -> None:
    at = start_todo()
    line: list[Screen] = [screen(at)]  # the screens Undo and Redo walk along
    cursor = 0
    after_frame: dict[int, Screen] = {frames(at)[-1].index: line[0]}
    log: list[str] = []

    for op, arg in ops:
        can_undo, can_redo = cursor > 0, cursor < len(line) - 1
        assert disabled(at, UNDO) != can_undo, f"after {log}: Undo should be {_able(can_undo)}"
        assert disabled(at, REDO) != can_redo, f"after {log}: Redo should be {_able(can_redo)}"
        planned = _plan(at, op, arg)
        if planned is None:
            continue  # nothing to toggle, Undo disabled, ...
        act, trigger = planned
        step = f"{op} {arg!r} after {log}"
        log.append(f"{op} {arg!r}")
        frame = interact(at, step, act, trigger)
        now = screen(at)
        after_frame[frame.index] = now
        if op == "undo":
            cursor -= 1
            assert now == line[cursor], explain(step, line[cursor], now)
        elif op == "redo":
            cursor += 1
            assert now == line[cursor], explain(step, line[cursor], now)
        else:
            if op == "jump":
                assert frame.restores is not None
                target = after_frame[frame.restores]
                assert now == target, explain(f"{step}: jump to #{frame.restores}", target, now)
            if frame.changes:
                del line[cursor + 1 :]
                line.append(now)
                cursor += 1
            else:
                assert now == line[cursor], explain(f"{step} (no changes)", line[cursor], now)
