"""The history panel, action names and branches, driven through real apps with AppTest.

Apps are written as Streamlit's docs write them: state seeded in the script body, callbacks,
forms. What is checked is what a user relies on: every action can be reached, each is named
as the user saw it, a branch an undo left behind can be seen and jumped to, using the panel
records nothing, and nothing from state or labels turns into Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as hst
from streamlit.testing.v1 import AppTest

from tests.streamlit.conftest import EXAMPLES, frames, no_exception
from tests.streamlit.undo_check import run_fragment
from timetravel import Recording
from timetravel.labels import frame_title
from timetravel.recorder import Branch
from timetravel.streamlit import _internals
from timetravel.streamlit.actions import clean_label, value_words
from timetravel.streamlit.history import escape_markdown

TIMEOUT = 30
JUMP = "_timetravel_jump_"
UNDO = "_timetravel_buttons_undo"
SPECIAL = set("\\`*_{}[]()#+-.!|<>~$&:")


# --- reading the panel ----------------------------------------------------------------------


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text.replace("\u2060", ""))


def fully_escaped(text: str) -> bool:
    """True if every character Markdown could read as syntax is backslash-escaped, and no
    colon is followed by what could start an emoji shortcode (``:dog:``, ``:+1:``)."""
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            if i + 1 >= len(text) or text[i + 1] not in SPECIAL:
                return False
            after = text[i + 2 : i + 4].removeprefix("\\")[:1]
            if text[i + 1] == ":" and after and (after.isalnum() or after in "_+-"):
                return False
            i += 2
            continue
        if c in SPECIAL:
            return False
        i += 1
    return True


ROW = re.compile(r":gray\[(\d\d:\d\d:\d\d)\]  (.*)  :gray\[· (.*)\]", re.S)


@dataclass
class Row:
    index: int
    title: str  # as the user reads it
    words: str
    current: bool
    raw_title: str  # as the button label has it (escaped)
    raw_words: str


def rows(at: AppTest) -> list[Row]:
    """The panel's lines as shown, top to bottom."""
    found = []
    for button in at.sidebar.button:
        if not (button.key or "").startswith(JUMP):
            continue
        match = ROW.fullmatch(button.label)
        assert match, f"a line of the panel reads {button.label!r}"
        raw_title, raw_words = match.group(2), match.group(3)
        current = raw_title.startswith("**") and raw_title.endswith("**")
        if current:
            raw_title = raw_title[2:-2]
        assert current == (button.proto.icon == ":material/radio_button_checked:")
        assert current == button.disabled
        found.append(
            Row(
                int(button.key.removeprefix(JUMP)),
                unescape(raw_title),
                unescape(raw_words),
                current,
                raw_title,
                raw_words,
            )
        )
    return found


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    no_exception(at)
    return at


def recorder_of(at: AppTest) -> Any:
    return at.session_state["_timetravel"]


def line_of(at: AppTest) -> tuple[Any, ...]:
    """What Undo and Redo would do: the position, the steps, the branches."""
    rec = recorder_of(at).recorder
    return rec.position, rec.can_undo, rec.can_redo, tuple(rec.branches())


# --- apps -----------------------------------------------------------------------------------


def counter_app() -> None:
    import streamlit as st

    import timetravel.streamlit as tt

    st.session_state.setdefault("count", 0)
    st.session_state.setdefault("name", "")
    tt.track()

    def add() -> None:
        st.session_state.count += 1

    tt.undo_buttons()
    st.button("Add one", key="add", on_click=add)
    st.text_input("Name", key="name")
    st.metric("Count", st.session_state.count)
    tt.history_panel()


def start(app: Any) -> AppTest:
    at = AppTest.from_function(app, default_timeout=TIMEOUT).run()
    no_exception(at)
    return at


# --- every action reachable -----------------------------------------------------------------


def test_every_frame_is_reachable_by_paging_newest_first() -> None:
    at = start(counter_app)
    for _ in range(52):
        click(at, "add")
    every = [f.index for f in frames(at)]
    assert len(every) == 53
    assert "53 actions · at #52" in captions(at)

    seen: list[int] = []
    pages = []
    while True:
        shown = rows(at)
        assert 0 < len(shown) <= 10
        seen += [r.index for r in shown]
        pages.append(next(c for c in captions(at) if c.startswith("page ")))
        if at.button(key="_timetravel_older").disabled:
            break
        click(at, "_timetravel_older")
    assert seen == every[::-1]  # each frame once, newest first
    assert pages == [f"page {n} of 6" for n in range(1, 7)]
    assert len(frames(at)) == 53  # turning pages recorded nothing

    click(at, "_timetravel_newer")
    assert [r.index for r in rows(at)] == every[::-1][40:50]
    click(at, "_timetravel_older")
    # A jump from the last page restores the oldest state.
    click(at, f"{JUMP}0")
    assert at.session_state.count == 0 and frames(at)[-1].restores == 0


def test_the_filter_finds_actions_by_label_change_and_key() -> None:
    at = start(counter_app)
    for i in range(14):
        click(at, "add")
        if i % 3 == 0:
            at.text_input(key="name").input(f"Ann {i}").run()
    n = len(frames(at))
    names = [f.index for f in frames(at) if f.trigger == "name"]
    assert len(names) == 5

    filter_box = at.sidebar.text_input(key="_timetravel_filter")
    filter_box.input("name:").run()  # the title: "Name: Ann 0"
    assert [r.index for r in rows(at)] == names[::-1]
    assert f"5 actions of {n} match" in captions(at)
    assert all(r.title.startswith("Name: Ann") for r in rows(at))

    at.sidebar.text_input(key="_timetravel_filter").input("count: 7").run()  # change words
    (row,) = rows(at)
    assert row.words == "count: 7 → 8"

    at.sidebar.text_input(key="_timetravel_filter").input("ADD ONE").run()  # any case
    assert len(rows(at)) == 10 and "14 actions of 20 match" in captions(at)
    click(at, "_timetravel_older")
    assert len(rows(at)) == 4  # every match reachable: 10 + 4
    assert any(c == "page 2 of 2" for c in captions(at))

    at.sidebar.text_input(key="_timetravel_filter").input(f"#{names[2]}").run()  # its number
    assert [r.index for r in rows(at)] == [names[2]]

    at.sidebar.text_input(key="_timetravel_filter").input("no such thing").run()
    assert rows(at) == []
    assert "No action matches “no such thing”" in captions(at)
    assert len(frames(at)) == n  # filtering recorded nothing


def test_a_short_history_shows_no_filter_nor_pages() -> None:
    at = start(counter_app)
    click(at, "add")
    assert captions(at)[0] == "2 actions · at #1"
    assert not at.sidebar.text_input and not any(c.startswith("page ") for c in captions(at))
    assert [r.title for r in rows(at)] == ["Add one", "Start"]
    start_row, add_row = rows(at)[::-1]
    assert add_row.words == "count: 0 → 1" and start_row.words.startswith("2 changes in ")


def test_the_first_caption_counts_in_words() -> None:
    at = start(counter_app)
    assert captions(at)[0] == "1 action · at #0"
    (row,) = rows(at)
    assert row.current and row.title == "Start"


# --- names ------------------------------------------------------------------------------------


def widgets_app() -> None:
    import datetime

    import streamlit as st

    import timetravel.streamlit as tt

    tt.track()
    st.checkbox("**Walk** the :dog: dog :material/pets:", key="walk")
    st.toggle("Dark mode")  # no key
    st.radio("Show", ["all", "open", "done"], key="show", horizontal=True)
    st.selectbox("Fruit", ["apple", "pear"], key="fruit")
    st.multiselect("Tags", ["a", "b", "c"], key="tags")
    st.slider("Volume", 0, 10, key="volume")
    st.slider("Range", 0, 10, (2, 8))  # no key
    st.date_input("Day", datetime.date(2024, 1, 1), key="day")
    st.text_input("Title", key="title")
    st.text_input("Password", type="password", key="pw")
    st.text_input("API token", key="token_field")
    st.text_input("Region", key="api_key")  # a secret key, a harmless label
    st.button(":red[Delete] all", key="delete", icon=":material/delete:")
    with st.form("profile"):
        st.text_input("Bio", key="bio")
        st.form_submit_button("Save profile")
    tt.history_panel()


def test_widgets_name_their_actions_after_their_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime

    monkeypatch.setenv("TIMETRAVEL_RECORD_DIR", str(tmp_path))
    at = start(widgets_app)
    at.checkbox(key="walk").check().run()
    at.toggle[0].set_value(True).run()
    at.radio(key="show").set_value("done").run()
    at.selectbox(key="fruit").select("pear").run()
    at.multiselect(key="tags").select("a").run()
    at.multiselect(key="tags").select("b").run()
    at.slider(key="volume").set_value(7).run()
    at.slider[1].set_range(3, 9).run()
    at.date_input(key="day").set_value(datetime.date(2024, 2, 29)).run()
    at.text_input(key="title").input("a very long title that goes on and on and on").run()
    at.text_input(key="pw").input("hunter2").run()
    at.text_input(key="token_field").input("tok-123").run()
    at.text_input(key="api_key").input("eu-west-9").run()
    at.button(key="delete").click().run()
    at.text_input(key="bio").input("hi")
    at.button(key="FormSubmitter:profile-Save profile").click().run()
    no_exception(at)
    expected = [
        "Start",
        "Toggle 'Walk the dog'",
        "Toggle 'Dark mode'",
        "Show: done",
        "Fruit: pear",
        "Tags: a",
        "Tags: a, b",
        "Volume: 7",
        "Range: 3 to 9",
        "Day: 2024-02-29",
        "Title: a very long title that goes o…",
        "Password: •••",
        "API token: •••",
        "Region: •••",
        "Delete all",
        "Save profile",
    ]
    assert [frame_title(f) for f in frames(at)] == expected
    assert [f.trigger for f in frames(at)][1:3] == ["walk", "checkbox"]  # triggers stay keys
    # The labels are in the file. No label holds a secret, and values under secret keys
    # never reach the file at all.
    (path,) = tmp_path.glob("*.ttrec")
    recorded = list(Recording.open(path))
    assert [frame_title(f) for f in recorded] == expected
    for secret in ("hunter2", "tok-123", "eu-west-9"):
        assert not any(secret in (f.label or "") for f in recorded)
    data = path.read_bytes()
    assert b"tok-123" not in data and b"eu-west-9" not in data
    # The panel shows the same names.
    assert [r.title for r in rows(at)][:3] == ["Save profile", "Delete all", "Region: •••"]


def test_an_unlabelled_widget_is_named_after_its_key() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()
        st.text_input("", key="bare", label_visibility="collapsed")
        st.button(":material/add:", key="plus")
        with st.form("quick"):
            st.text_input("Note", key="note")
            st.form_submit_button("")

    at = start(app)
    at.text_input(key="bare").input("x").run()
    click(at, "plus")
    at.text_input(key="note").input("hi")
    click(at, "FormSubmitter:quick-")
    assert [(f.label, frame_title(f)) for f in frames(at)[1:]] == [
        (None, "bare"),
        (None, "plus"),
        (None, "Submit quick"),
    ]


def test_labels_fall_back_to_keys_when_streamlit_changes_and_the_app_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(msg: Any, now: Any) -> None:
        raise AttributeError("Streamlit renamed its protos")

    monkeypatch.setattr(_internals, "_note_element", broken)
    at = start(widgets_app)
    at.radio(key="show").set_value("done").run()
    at.slider(key="volume").set_value(3).run()
    no_exception(at)
    assert [frame_title(f) for f in frames(at)] == ["Start", "show", "volume"]
    assert at.radio(key="show").value == "done"


def test_a_label_is_the_one_the_user_saw_when_they_changed_it() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        st.session_state.setdefault("unit", "dB")
        tt.track()
        # The label changes with the unit: the action is named as the slider read before.
        st.slider(f"Volume ({st.session_state.unit})", 0, 10, key="volume")
        st.radio("Unit", ["dB", "%"], key="unit")

    at = start(app)
    at.radio(key="unit").set_value("%").run()
    at.slider(key="volume").set_value(4).run()
    assert [frame_title(f) for f in frames(at)][1:] == ["Unit: %", "Volume (%): 4"]


def test_a_widget_a_fragment_draws_is_named_after_its_label() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        tt.track()

        @st.fragment
        def more() -> None:
            if st.toggle("More", key="more"):
                st.slider("Fine volume", 0, 10, key="fine")  # drawn by fragment runs only

        more()

    at = start(app)
    at.toggle(key="more").set_value(True)
    run_fragment(at)
    at.slider(key="fine").set_value(6)
    run_fragment(at)
    no_exception(at)
    assert [frame_title(f) for f in frames(at)][1:] == ["Toggle 'More'", "Fine volume: 6"]


def test_each_session_names_its_actions_after_its_own_widgets() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        st.session_state.setdefault("who", "nobody")
        tt.track()
        st.text_input("Who", key="who")
        st.checkbox(f"Greet {st.session_state.who}", key="greet")

    a, b = start(app), start(app)
    a.text_input(key="who").input("Ann").run()
    b.text_input(key="who").input("Bob").run()
    a.checkbox(key="greet").check().run()
    b.checkbox(key="greet").check().run()
    assert frame_title(frames(a)[-1]) == "Toggle 'Greet Ann'"
    assert frame_title(frames(b)[-1]) == "Toggle 'Greet Bob'"


def test_labels_lose_their_markdown_and_values_are_cut() -> None:
    assert clean_label("**Walk** the :dog: dog :material/pets:") == "Walk the dog"
    assert clean_label(":red[Delete] [all](https://x.example) `now` ~~old~~ _it_") == (
        "Delete all now old it"
    )
    assert clean_label("Ratio 1:2 at 10:30") == "Ratio 1:2 at 10:30"
    assert clean_label("snake_case_name and a*b*c") == "snake_case_name and a*b*c"
    assert clean_label("  two\nlines  ") == "two lines"
    assert len(clean_label("x" * 500)) == 40
    assert value_words("line one\nline two") == "line one line two"
    assert value_words(["a", "b", "c", "d", "e", "f", "g"]) == "a, b, c, d, e +2"
    assert value_words([]) == "none" and value_words(None) == "none"
    assert value_words(2.5) == "2.5" and value_words(True) == "on"
    assert len(value_words("y" * 10_000)) == 30


# --- the app's own names ----------------------------------------------------------------------


def actions_app() -> None:
    import streamlit as st

    import timetravel.streamlit as tt

    st.session_state.setdefault("todos", [])
    st.session_state.setdefault("saved", 0)
    tt.track()
    tt.undo_buttons()  # drawn first: it records the action under way before the body names it

    @tt.action("Add todo")
    def add() -> None:
        st.session_state.todos.append(st.session_state.new)

    def clear() -> None:
        st.session_state.todos = []

    st.text_input("New", key="new", on_change=add)
    st.button("Clear", key="clear", on_click=tt.action("Clear all", clear))
    if st.button("Save", key="save"):
        with tt.action("Save todos"):
            st.session_state.saved += 1
        with tt.action("A second name"):  # the first name given wins
            pass
    tt.history_panel()


def test_an_app_names_its_actions_with_tt_action(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMETRAVEL_RECORD_DIR", str(tmp_path))
    at = start(actions_app)
    at.text_input(key="new").input("milk").run()  # a decorated callback
    click(at, "save")  # a block of the script body, after a checkpoint recorded the frame
    click(at, "clear")  # a wrapped callback
    click(at, UNDO)  # a restore keeps its own name
    expected = ["Start", "Add todo", "Save todos", "Clear all", "Undo"]
    assert [frame_title(f) for f in frames(at)] == expected
    assert at.session_state.todos == ["milk"] and at.session_state.saved == 1
    (path,) = tmp_path.glob("*.ttrec")
    assert [frame_title(f) for f in Recording.open(path)] == expected
    assert [r.title for r in rows(at)] == expected[::-1]


def test_tt_action_without_track_does_nothing() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        st.session_state.setdefault("n", 0)

        @tt.action("Add")
        def add() -> None:
            st.session_state.n += 1

        st.button("Add", key="add", on_click=add)
        with tt.action("Body"):
            st.write(st.session_state.n)

    at = start(app)
    click(at, "add")
    assert at.session_state.n == 1 and "_timetravel" not in at.session_state


# --- branches -----------------------------------------------------------------------------


def test_a_branch_left_by_an_undo_shows_under_its_fork_and_its_tip_can_be_restored() -> None:
    at = start(counter_app)
    for _ in range(3):
        click(at, "add")  # frames 1, 2, 3: count 1, 2, 3
    click(at, UNDO)  # 4: back to 2
    click(at, UNDO)  # 5: back to 1
    at.text_input(key="name").input("Ann").run()  # 6: a new step; 2 and 3 are a branch
    rec = recorder_of(at).recorder
    assert rec.branches() == [Branch(1, (2, 3))]
    assert not rec.can_redo

    # Under the line of frame 1, where it forks: how many actions, and the tip's name.
    buttons = [b.key for b in at.sidebar.button]
    at_fork = buttons.index(f"{JUMP}1")
    assert buttons[at_fork + 2] == "_timetravel_tip_3"  # after frame 1's line and chevron
    assert at.button(key="_timetravel_tip_3").label == "Jump to tip"
    assert "↳ 2 undone actions · Add one" in [unescape(c) for c in captions(at)]

    click(at, "_timetravel_tip_3")
    assert at.session_state.count == 3 and at.session_state.name == ""
    assert frames(at)[-1].restores == 3
    # The jump is a step: the branch stays where it was, and Undo takes the jump back.
    assert rec.branches() == [Branch(1, (2, 3))]
    click(at, UNDO)
    assert at.session_state.count == 1 and at.session_state.name == "Ann"


def test_one_undone_action_reads_in_the_singular() -> None:
    at = start(counter_app)
    click(at, "add")
    click(at, UNDO)
    at.text_input(key="name").input("Ann").run()
    assert "↳ 1 undone action · Add one" in [unescape(c) for c in captions(at)]


def test_the_branches_of_a_few_frames_are_those_of_the_whole_tree() -> None:
    """``Recorder.branches(forks)`` (what the panel asks for the lines it shows) finds the
    same branches as the whole walk, whatever undo, redo, jumps and folds did."""
    import random

    from timetravel import Recorder

    for seed in range(200):
        rnd = random.Random(seed)
        state = {"x": 0}
        rec = Recorder(state, limit=rnd.choice([None, 12, 30]))
        rec.capture()
        for _ in range(rnd.randint(1, 60)):
            op = rnd.random()
            if op < 0.5:
                state["x"] = rnd.randint(0, 4)
                rec.capture()
            elif op < 0.7:
                rec.undo()
            elif op < 0.8:
                rec.redo()
            else:
                rec.jump(rnd.choice(rec.frames).index)
        every = rec.branches()
        asked = rec.branches([None, *(f.index for f in rec.frames)])
        assert sorted(asked, key=lambda b: b.frames) == sorted(every, key=lambda b: b.frames)
        for branch in every:
            assert branch.tip == branch.frames[-1]
            assert all(rec.frames[0].index <= i <= rec.frames[-1].index for i in branch.frames)


# --- using the panel records nothing ----------------------------------------------------------


def test_using_the_panel_makes_no_frame_and_no_undo_step() -> None:
    at = start(counter_app)
    for _ in range(12):
        click(at, "add")
    click(at, UNDO)
    click(at, UNDO)
    click(at, "add")  # a branch
    before, line = len(frames(at)), line_of(at)
    newest = rows(at)[0].index

    at.sidebar.text_input(key="_timetravel_filter").input("add").run()
    click(at, "_timetravel_older")
    click(at, "_timetravel_newer")
    click(at, f"_timetravel_diff_{newest}")  # open a diff
    code = at.sidebar.code
    assert len(code) == 1 and code[0].value == "- count = 10\n+ count = 11"
    assert code[0].language == "diff"
    click(at, f"_timetravel_diff_{newest}")  # and close it
    assert not at.sidebar.code
    at.sidebar.text_input(key="_timetravel_filter").input("").run()
    no_exception(at)

    assert len(frames(at)) == before
    assert line_of(at) == line
    recorded = {c.path[0] for f in frames(at) for c in f.changes}
    assert not any(str(k).startswith("_timetravel") for k in recorded)
    click(at, UNDO)  # Undo still takes back the last action, not a panel click
    assert at.session_state.count == 10


def test_two_panels_keep_their_own_keys() -> None:
    def app() -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        st.session_state.setdefault("n", 0)
        tt.track()
        st.button(
            "Add", key="add", on_click=lambda: st.session_state.update(n=st.session_state.n + 1)
        )
        tt.history_panel(page_size=2)
        tt.history_panel(sidebar=False, key="main", page_size=3)

    at = start(app)
    for _ in range(4):
        click(at, "add")
    assert len([b for b in at.sidebar.button if b.key.startswith(JUMP)]) == 2
    main_rows = [b for b in at.main.button if b.key.startswith("_timetravel_main_jump_")]
    assert len(main_rows) == 3
    click(at, "_timetravel_main_older")
    assert any(c.value == "page 2 of 2" for c in at.main.caption)
    assert any(c.value == "page 1 of 3" for c in at.sidebar.caption)


# --- hostile text -----------------------------------------------------------------------------

HOSTILE = (
    "[click](https://evil.example) <img src=x onerror=alert(1)> :material/home: **b** "
    "$x^2$ :red[r] `c` ![i](https://evil.example/i.png) www.evil.example :dog: \\"
)


def test_text_from_state_and_labels_never_turns_into_markdown() -> None:
    def app(hostile: str) -> None:
        import streamlit as st

        import timetravel.streamlit as tt

        st.session_state.setdefault("note", "")
        tt.track()

        def go() -> None:
            with tt.action(hostile):
                st.session_state[hostile] = hostile

        st.button(hostile, key="plain")
        st.button("Go", key="go", on_click=go)
        st.text_input(hostile, key="note")
        tt.undo_buttons()
        tt.history_panel()

    at = AppTest.from_function(app, args=(HOSTILE,), default_timeout=TIMEOUT).run()
    click(at, "plain")  # a button labelled with it
    click(at, "go")  # the app's own name, a key and a value
    at.text_input(key="note").input(HOSTILE).run()  # a widget's label and value
    click(at, UNDO)
    at.text_input(key="note").input("other").run()  # a branch whose tip names it
    no_exception(at)

    shown = rows(at)
    assert len(shown) == 6
    for row in shown:
        assert fully_escaped(row.raw_title), row.raw_title
        assert fully_escaped(row.raw_words), row.raw_words
    go = next(r for r in shown if r.index == 2)
    assert go.title.startswith("[click](https://evil.example) <img")
    # The tip is the note's first change, named after its label (its Markdown taken out).
    (branch,) = [c for c in captions(at) if c.startswith("↳")]
    assert fully_escaped(branch) and "<img src=x onerror=alert(1)>" in unescape(branch)


@given(hst.text())
def test_escaped_text_reads_back_as_it_was_and_has_no_syntax_left(text: str) -> None:
    escaped = escape_markdown(text)
    assert fully_escaped(escaped)
    assert unescape(escaped) == " ".join(text.replace("\u2060", "").split())


# --- the todo example -----------------------------------------------------------------------


def test_the_todo_example_names_its_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIMETRAVEL_RECORD_DIR", raising=False)
    at = AppTest.from_file(str(EXAMPLES / "todo.py"), default_timeout=TIMEOUT).run()
    for title in ("buy milk", "walk dog"):
        at.text_input(key="new_todo").input(title).run()
    at.checkbox(key="done_1").check().run()
    at.text_input(key="title_0").input("buy oat milk").run()
    at.radio(key="filter").set_value("done").run()
    at.radio(key="filter").set_value("all").run()
    click(at, "clear_done")
    click(at, "delete_0")
    no_exception(at)
    assert [r.title for r in rows(at)] == [
        "Delete 'buy oat milk'",
        "Remove done todos",
        "Show: all",
        "Show: done",
        "Rename 'buy milk'",
        "Toggle 'walk dog'",
        "New todo: walk dog",
        "New todo: buy milk",
        "Start",
    ]
