"""Pilot tests: each action of the terminal UI on recordings made with the core."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, ProgressBar, Static, TabbedContent

from timetravel import Recorder, Recording, format_path
from timetravel.jsonable import to_json
from timetravel_tui.app import TimetravelApp
from timetravel_tui.replay import BASE_FPS
from timetravel_tui.screens.export import ExportScreen
from timetravel_tui.screens.goto import GotoScreen
from timetravel_tui.screens.help import HelpScreen
from timetravel_tui.widgets.filter_bar import FilterBar
from timetravel_tui.widgets.key_history import HistoryList

from .conftest import SIZE, Notes, loaded, make_app, record_counter, wait_for


def tree_labels(app: TimetravelApp) -> dict[str, str]:
    """The state tree's top-level labels by key."""
    out = {}
    for node in app.state_tree.root.children:
        assert node.data is not None
        out[str(node.data.key)] = str(node.label).strip()
    return out


# --- opening and the timeline ------------------------------------------------------------------


async def test_opens_on_the_newest_frame(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.timeline.row_count == 12
        assert app.selected == 11
        assert app.timeline.cursor == 11
        assert app.state_tree.border_title == "State at frame 11"
        assert app.scrubber.state.frame_index == 11
        assert app.sub_title == "snapshot.ttrec · 12 frames"
        assert not app.query_one(ProgressBar).display
        labels = tree_labels(app)
        assert labels["todos"] == "todos: list · 2 items"
        assert labels["api_key"] == "api_key: <redacted>"
        assert labels["conn"] == "conn: ⟨opaque _thread.lock⟩"
        assert labels["color"].startswith("color: ⟨object tests.tui.conftest.Color⟩")
        assert app.diff_view.mode == "frame"
        assert app.diff_view.changes == Recording.open(todo_file)[11].changes
        await pilot.press("home")
        assert app.selected == 0
        assert tree_labels(app)["todos"] == "todos: list · 0 items"
        assert len(app.diff_view.changes) == 7


@pytest.mark.parametrize(("frame", "position"), [(5, 5), (0, 0), (-1, 11), (-12, 0), (-3, 9)])
async def test_opens_on_the_frame_asked_for(todo_file: Path, frame: int, position: int) -> None:
    app = make_app(todo_file, frame=frame)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.selected == position
        assert app.state_tree.state == Recording.open(todo_file).state_at(position)
        assert app.state_tree.border_title == f"State at frame {position}"


async def test_a_frame_that_is_not_there_opens_on_the_newest_and_says_so(
    todo_file: Path,
) -> None:
    app = make_app(todo_file, frame=12)
    notes = Notes()
    app.notify = notes  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.selected == 11
        said = "There is no frame 12 (frames go from 0 to 11): showing the newest."
        assert ("warning", said) in notes.messages


async def test_a_folded_recording_opens_on_its_newest_frame_by_number(tmp_path: Path) -> None:
    state = {"n": 0}
    rec = Recorder(state, limit=5)
    rec.capture()
    for n in range(1, 12):
        state["n"] = n
        rec.capture(trigger="inc")
    path = tmp_path / "folded.ttrec"
    rec.save(path)
    for frame, position in ((None, 4), (9, 2), (-5, 0)):
        app = make_app(path, frame=frame)
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            assert app.selected == position
            assert tree_labels(app)["n"] == f"n: {7 + position}"


async def test_right_twice_selects_frame_2_and_shows_its_state(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("home", "right", "right")
        assert app.selected == 2
        assert app.timeline.cursor == 2
        labels = tree_labels(app)
        assert labels["todos"] == "todos: list · 1 item"
        assert labels["new_todo"] == "new_todo: ''"
        assert [str(c) for c in app.diff_view.changes] == [
            "+ todos[0] = {'title': 'buy milk', 'done': False}",
            "~ new_todo: 'buy milk' -> ''",
        ]
        assert app.state_tree.border_title == "State at frame 2"
        await pilot.press("left")
        assert app.selected == 1
        assert tree_labels(app)["new_todo"] == "new_todo: 'buy milk'"


async def test_timeline_keys_and_click(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("end")
        assert app.selected == 11
        await pilot.press("home")
        assert app.selected == 0
        await pilot.press("down", "down", "down", "up")
        assert app.selected == 2
        await pilot.press("pagedown")
        assert app.selected == 11  # a page is longer than the recording
        await pilot.press("pageup")
        assert app.selected == 0
        # Row 0 of the widget is the column header, so row y+1 shows frame y.
        await pilot.click("#timeline", offset=(5, 1 + 1 + 4))
        assert app.selected == 4


async def test_timeline_rows_show_marks_for_restores_and_keyframes(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        timeline = app.timeline
        width = 56

        def row(r: int) -> str:
            return timeline.render_row(r, width, timeline.rich_style).text

        assert "◆" in row(0)  # the first frame always has a keyframe
        assert "+0.000s" in row(0)
        assert "+0.250s" in row(1)
        # The action column names each frame as labels.frame_title does.
        assert "↶" in row(8) and "Undo → #6" in row(8)
        assert "↷" in row(9) and "Redo → #7" in row(9)
        assert "⤳" in row(11) and "Jump to #5" in row(11)
        assert row(0).rstrip().endswith("Start")
        assert "stats" in row(6)
        # The change counts: frame 2 changed two values.
        assert " 2  add" in row(2)


async def test_big_file_is_indexed_in_a_worker(big_file: Path) -> None:
    app = make_app(big_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        n = len(Recording.open(big_file))
        assert app.timeline.row_count == n
        assert app.selected == n - 1
        await pilot.press("home")
        for _ in range(20):
            await pilot.press("pagedown")
        rows = app.timeline.visible_rows
        assert app.timeline.cursor == 20 * (rows - 1)
        await pilot.press("end")
        assert app.selected == n - 1
        state = Recording.open(big_file).state_at(n - 1)
        assert app.state_tree.state == state


async def test_truncated_file_opens_with_a_notice(todo_file: Path) -> None:
    data = todo_file.read_bytes()
    cut = todo_file.with_name("cut.ttrec")
    cut.write_bytes(data[:-5])
    app = make_app(cut)
    notes = Notes()
    app.notify = notes  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.timeline.row_count == 11
        assert ("warning", Recording.open(cut).notice) in notes.messages


async def test_a_damaged_record_is_skipped_and_the_gap_reported(todo_file: Path) -> None:
    data = bytearray(todo_file.read_bytes())
    data[len(data) * 2 // 3] ^= 0xFF
    bad = todo_file.with_name("bad.ttrec")
    bad.write_bytes(bytes(data))
    damaged = Recording.open(bad)
    assert damaged.gaps and len(damaged) < len(Recording.open(todo_file))
    app = make_app(bad)
    notes = Notes()
    app.notify = notes  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        # The frames on both sides of the damage are there; the gap is told, not hidden.
        assert app.timeline.row_count == len(damaged)
        assert app.follower.broken is None
        assert any(
            severity == "warning" and "damaged record" in message and " lost" in message
            for severity, message in notes.messages
        )
        await pilot.press("home")
        assert app.state_tree.state == damaged.state_at(app.selected or 0)


async def test_a_recording_saved_from_a_folded_history(tmp_path: Path) -> None:
    state = {"n": 0}
    rec = Recorder(state, limit=5)
    rec.capture()
    for n in range(1, 12):
        state["n"] = n
        rec.capture(trigger="inc")
    path = tmp_path / "folded.ttrec"
    rec.save(path)
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.source.first_index == 7
        assert app.timeline.row_count == 5
        await pilot.press("g", "9", "enter")
        assert app.selected == 2
        assert app.scrubber.state.frame_index == 9
        assert tree_labels(app)["n"] == "n: 9"
        assert "9" in app.timeline.render_row(2, 50, app.timeline.rich_style).text[:8]
        node = app.state_tree.find(("n",))
        app.state_tree.move_cursor(node)
        await pilot.press("h")
        await wait_for(pilot, lambda: not app.key_history.loading)
        assert [e[0] for e in app.key_history.rows.entries] == [0, 1, 2, 3, 4]
        await pilot.press("end", "enter")
        assert app.selected == 4


# --- replay ------------------------------------------------------------------------------------


async def test_space_plays_and_pauses(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        replay = app.replay
        played: list[bool] = []
        app.watch(replay, "playing", lambda playing: played.append(playing), init=False)
        await pilot.press("home", "plus", "plus", "plus")  # 8x: 32 frames/s
        assert replay.speed == 8
        await pilot.press("space")
        await wait_for(pilot, lambda: app.selected == 11)
        await wait_for(pilot, lambda: not replay.playing)  # stops at the end
        assert played == [True, False]
        assert not app.scrubber.state.playing
        await pilot.press("minus", "minus", "minus", "minus", "minus")  # 0.25x: 1 frame/s
        await pilot.press("space")  # from the end, play starts over
        assert replay.playing and app.selected == 0
        assert app.scrubber.state.playing
        await pilot.press("space")
        assert not replay.playing
        stopped = app.selected
        await pilot.pause(0.3)
        assert app.selected == stopped


async def test_speed_doubles_and_halves_within_limits(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        replay = app.replay
        assert replay.speed == 1
        await pilot.press("minus")
        assert replay.speed == 0.5
        await pilot.press("minus", "minus", "minus")
        assert replay.speed == 0.25
        for _ in range(10):
            await pilot.press("plus")
        assert replay.speed == 16
        assert app.scrubber.state.speed == 16
        await pilot.press("minus")
        assert replay.speed == 8


async def test_playing_at_1x_advances_about_four_frames_a_second(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert BASE_FPS == 4
        await pilot.press("home", "space")
        await pilot.pause(0.6)
        await pilot.press("space")
        assert 1 <= app.selected <= 4  # type: ignore[operator]


async def test_goto_frame(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("g")
        assert isinstance(app.screen, GotoScreen)
        await pilot.press("5", "enter")
        assert not isinstance(app.screen, GotoScreen)
        assert app.selected == 5
        assert "todos[1]['done']" in format_path(app.diff_view.changes[0].path)
        # Out of range: the prompt stays and says why; Esc leaves the frame as it was.
        await pilot.press("g", "9", "9", "enter")
        assert isinstance(app.screen, GotoScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, GotoScreen)
        assert app.selected == 5


async def test_scrubber_shows_the_position_and_seeks_on_click(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("home", "right", "right", "right")
        state = app.scrubber.state
        assert (state.row, state.rows, state.frame_index) == (3, 12, 3)
        x, width = app.scrubber._bar
        await pilot.click("#scrubber", offset=(x + width - 1, 0))
        assert app.selected == 11


# --- diff between marks ------------------------------------------------------------------------


async def test_marks_a_and_b_show_the_diff_between_frames(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("home", "right", "right", "a")
        assert app.marks == {"A": 2}
        assert app.diff_view.mode == "frame"
        await pilot.press("g", "7", "enter", "b")
        assert app.marks == {"A": 2, "B": 7}
        assert app.diff_view.mode == "between"
        expected = Recording.open(app.source.path).diff(2, 7)
        assert app.diff_view.changes == expected
        assert app.timeline.marks == {2: "A", 7: "B"}
        assert "A=2" in app.scrubber.state.marks
        text = app.diff_view.text.plain
        assert "A = frame 2 → B = frame 7" in text
        assert "+ todos[1] = {'title': 'write tests', 'done': True}" in text
        # Moving on keeps the A/B diff; escape returns to the per-frame diff.
        await pilot.press("right")
        assert app.diff_view.mode == "between"
        await pilot.press("escape")
        assert app.marks == {}
        assert app.diff_view.mode == "frame"
        assert app.diff_view.changes == Recording.open(app.source.path)[8].changes


# --- key history -------------------------------------------------------------------------------


async def test_key_history_with_h_and_enter_jumps_there(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("end")  # frame 11: both todos exist
        tree = app.state_tree
        node = tree.find(("filter",))
        assert node is not None
        tree.move_cursor(node)
        await pilot.press("h")
        tabs = app.query_one(TabbedContent)
        assert tabs.active == "history"
        await wait_for(pilot, lambda: not app.key_history.loading)
        rows = app.key_history.rows
        assert [e[1].index for e in rows.entries] == [0, 7, 8, 9, 11]
        assert [(e[2], e[3]) for e in rows.entries][1] == ("all", "open")
        assert app.focused is rows
        await pilot.press("down", "enter")
        assert app.selected == 7
        assert app.timeline.cursor == 7


async def test_key_history_of_a_nested_key_from_enter_in_the_tree(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("end")
        tree = app.state_tree
        tree.focus()
        todos = tree.find(("todos",))
        assert todos is not None
        todos.expand()
        await pilot.pause()
        second = tree.find(("todos", 1))
        assert second is not None
        second.expand()
        await pilot.pause()
        done = tree.find(("todos", 1, "done"))
        assert done is not None
        assert str(done.label).strip() == "done: True"
        tree.move_cursor(done)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not app.key_history.loading)
        entries = app.key_history.rows.entries
        assert [(e[1].index, e[2], e[3]) for e in entries] == [
            (4, entries[0][2], False),
            (5, False, True),
        ]
        assert app.key_history.path == ("todos", 1, "done")
        await pilot.press("down", "enter")
        assert app.selected == 5
        # The tree kept the expanded nodes while the frame changed.
        assert str(done.label).strip() == "done: True"
        await pilot.press("left")
        assert str(done.label).strip() == "done: False"


async def test_h_without_a_tree_selection_says_what_to_do(todo_file: Path) -> None:
    app = make_app(todo_file)
    notes = Notes()
    app.notify = notes  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        app.state_tree.unselect()
        await pilot.press("h")
        assert "state tree" in notes.text()


# --- filter ------------------------------------------------------------------------------------


async def test_filter_narrows_the_timeline_and_escape_clears_it(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("home", "slash")
        bar = app.query_one(FilterBar)
        assert bar.has_focus and bar.display
        await pilot.press(*"todos", "enter")
        await wait_for(pilot, lambda: app.timeline.filtered)
        rec = Recording.open(todo_file)
        expected = [
            i
            for i, f in enumerate(rec)
            if any("todos" in format_path(c.path) for c in f.changes)
            or "todos" in (f.trigger or "")
        ]
        assert expected == [0, 2, 4, 5]
        timeline = app.timeline
        assert [timeline.position_at(r) for r in range(timeline.row_count)] == expected
        assert not bar.display
        assert app.focused is timeline
        await pilot.press("right", "right")
        assert app.selected == 4
        assert timeline.border_subtitle == "4 of 12 match “todos”"
        await pilot.press("escape")
        assert not timeline.filtered
        assert timeline.row_count == 12
        assert app.selected == 4  # the frame stays selected


async def test_filter_matches_triggers_and_escape_in_the_bar(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"UNDO", "enter")
        await wait_for(pilot, lambda: app.timeline.filtered)
        assert app.timeline.row_count == 1
        assert app.selected == 8
        await pilot.press("slash")
        assert app.query_one(FilterBar).value == "UNDO"
        await pilot.press("escape")
        assert not app.timeline.filtered
        assert not app.query_one(FilterBar).display


async def test_goto_a_frame_hidden_by_the_filter_clears_it(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"count", "enter")
        await wait_for(pilot, lambda: app.timeline.filtered)
        assert [app.timeline.position_at(r) for r in range(app.timeline.row_count)] == [
            0,
            6,
            10,
            11,
        ]
        await pilot.press("g", "3", "enter")
        assert not app.timeline.filtered
        assert app.selected == 3


async def test_filter_on_a_big_file(big_file: Path) -> None:
    app = make_app(big_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"[7]['qty']", "enter")
        await wait_for(pilot, lambda: app.timeline.filtered, timeout=20)
        rows = [app.timeline.position_at(r) for r in range(app.timeline.row_count)]
        rec = Recording.open(big_file)
        assert rows == [i for i, f in enumerate(rec) if any(c.path[1:2] == (7,) for c in f.changes)]
        assert all(rec[p].changes[0].path == ("items", 7, "qty") for p in rows[1:])


# --- follow ------------------------------------------------------------------------------------


async def test_follow_picks_up_frames_written_while_open(tmp_path: Path) -> None:
    path = tmp_path / "live.ttrec"
    state: dict[str, Any] = {"n": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = Recorder(state, sink=path)
    rec.capture()
    for _ in range(3):
        state["n"] += 1
        rec.capture(trigger="tick")
    app = make_app(path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            assert app.timeline.row_count == 4
            await pilot.press("home", "f")
            assert app.follower.following
            assert app.selected == 3  # following sticks to the last frame
            for _ in range(5):
                state["n"] += 1
                rec.capture(trigger="tick")
            await wait_for(pilot, lambda: app.timeline.row_count == 9, timeout=3)
            await wait_for(pilot, lambda: app.selected == 8)
            assert tree_labels(app)["n"] == "n: 8"
            assert app.scrubber.state.following
            # Polls that find nothing new leave the cursor where the user put it.
            await pilot.press("up")
            await pilot.pause(0.7)
            assert app.selected == 7
            state["n"] += 1
            rec.capture(trigger="tick")
            await wait_for(pilot, lambda: app.selected == 9, timeout=3)
            await pilot.press("f")
            assert not app.follower.following
            state["n"] += 1
            rec.capture(trigger="tick")
            await pilot.pause(0.8)
            assert app.timeline.row_count == 10
    finally:
        rec.close()


async def test_follow_flag_and_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.ttrec"
    state: dict[str, Any] = {"n": 0}
    rec = Recorder(state, sink=path)
    app = make_app(path, follow=True)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.loaded)
            assert app.follower.following
            assert app.timeline.row_count == 0
            assert app.selected is None
            rec.capture()
            state["n"] = 5
            rec.capture(trigger="set")
            await wait_for(pilot, lambda: app.timeline.row_count == 2, timeout=3)
            await wait_for(pilot, lambda: app.selected == 1)
            assert tree_labels(app)["n"] == "n: 5"
    finally:
        rec.close()


async def test_follow_with_a_filter_adds_matching_new_frames(tmp_path: Path) -> None:
    path = tmp_path / "live.ttrec"
    state: dict[str, Any] = {"a": 0, "b": 0}
    rec = Recorder(state, sink=path)
    rec.capture()
    app = make_app(path)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            await pilot.press("slash", "b", "enter")
            await wait_for(pilot, lambda: app.timeline.filtered)
            await pilot.press("f")
            for n in range(1, 5):
                state["a" if n % 2 else "b"] = n
                rec.capture()
            await wait_for(pilot, lambda: app.timeline.row_count == 3, timeout=3)
            rows = [app.timeline.position_at(r) for r in range(app.timeline.row_count)]
            assert rows == [0, 2, 4]
            await wait_for(pilot, lambda: app.selected == 4)
    finally:
        rec.close()


# --- export ------------------------------------------------------------------------------------


async def test_export_asks_where_then_writes_the_state_as_json(
    todo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    app = make_app(todo_file)
    notes = Notes()
    app.notify = notes  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("g", "5", "enter", "e")
        assert isinstance(app.screen, ExportScreen)
        target = out / "snapshot-frame-5.json"
        field = app.screen.query_one(Input)
        assert field.value == str(target)  # the whole path, absolute, before anything is written
        assert Path(field.value).is_absolute()
        assert not target.exists()
        await pilot.press("enter")
        assert not isinstance(app.screen, ExportScreen)
        expected = json.loads(json.dumps(to_json(Recording.open(todo_file).state_at(5))))
        assert json.loads(target.read_text()) == expected
        assert expected["api_key"] == {"$redacted": True}
        assert expected["todos"][1] == {"title": "write tests", "done": True}
        assert ("information", f"Wrote the state of frame 5 to {target}") in notes.messages


async def test_export_to_a_path_typed_in_the_prompt(todo_file: Path, tmp_path: Path) -> None:
    app = make_app(todo_file, export_dir=tmp_path)
    notes = Notes()
    app.notify = notes  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("e")
        field = app.screen.query_one(Input)
        assert field.value == str(tmp_path / "snapshot-frame-11.json")
        (tmp_path / "sub").mkdir()
        field.value = "sub/mine.json"  # relative to the folder offered
        await pilot.press("enter")
        written = tmp_path / "sub" / "mine.json"
        assert json.loads(written.read_text())["todos"][1]["done"] is True  # frame 11
        assert str(written) in notes.text()
        await pilot.press("e")
        app.screen.query_one(Input).value = str(tmp_path / "sub")  # a folder: the name offered
        await pilot.press("enter")
        assert (tmp_path / "sub" / "snapshot-frame-11.json").exists()


async def test_export_escape_cancels_and_writes_nothing(todo_file: Path, tmp_path: Path) -> None:
    app = make_app(todo_file, export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("a", "e")
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, ExportScreen)
        assert list(tmp_path.glob("*.json")) == []
        assert app.marks == {"A": 11}  # Esc closed the prompt; it did not clear the marks


async def test_export_error_shows_in_the_prompt(todo_file: Path, tmp_path: Path) -> None:
    app = make_app(todo_file, export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        missing = tmp_path / "no-such-folder" / "x.json"
        screen.query_one(Input).value = str(missing)
        await pilot.press("enter")
        assert app.screen is screen  # still open, saying why
        error = str(screen.query_one("#export-error", Static).render())
        assert f"Can't write {missing}: No such file or directory" in error
        # Fixed, it writes.
        screen.query_one(Input).value = str(tmp_path / "x.json")
        await pilot.press("enter")
        assert (tmp_path / "x.json").exists()
        assert app.screen is not screen


async def test_export_asks_before_replacing_a_file(todo_file: Path, tmp_path: Path) -> None:
    app = make_app(todo_file, export_dir=tmp_path)
    target = tmp_path / "snapshot-frame-11.json"
    target.write_text("keep me")
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("e", "enter")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert "exists: press Enter again" in str(screen.query_one("#export-error").render())
        assert target.read_text() == "keep me"
        await pilot.press("enter")
        assert app.screen is not screen
        assert json.loads(target.read_text())["filter"] == "all"  # frame 11


# --- help and command palette ----------------------------------------------------------------


async def test_help_screen_lists_the_keys(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-table")
        rendered = str(table.render())
        assert rendered  # a rich Table; its content is checked through the key list
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_footer_has_the_main_bindings(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        shown = {b.description for _, b, _, _ in app.active_bindings.values() if b.show}
        assert {"Play", "Filter", "Go to", "Export", "Follow", "Help", "History"} <= shown


async def test_command_palette_runs_actions(
    todo_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("home", "right", "right")
        await pilot.press("ctrl+p")
        await pilot.press(*"export state")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "snapshot-frame-2.json").exists())


async def test_command_provider_lists_every_palette_action(todo_file: Path) -> None:
    from timetravel_tui.commands import TimetravelCommands
    from timetravel_tui.keys import APP_KEYS

    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        provider = TimetravelCommands(app.screen)
        names = [str(hit.display) async for hit in provider.discover()]
        assert names == [k.palette for k in APP_KEYS if k.palette]
        hits = [hit async for hit in provider.search("follow")]
        assert len(hits) == 1
        await hits[0].command()
        assert app.follower.following


async def test_history_list_jump_message(todo_file: Path) -> None:
    app = make_app(todo_file)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        app.post_message(HistoryList.Jump(9))
        await pilot.pause()
        assert app.selected == 9


def test_record_counter_helper(tmp_path: Path) -> None:
    path = tmp_path / "c.ttrec"
    record_counter(path, 60)
    rec = Recording.open(path)
    assert len(rec) == 60


async def test_state_tree_loads_big_containers_in_chunks(tmp_path: Path) -> None:
    from timetravel_tui.widgets.state_tree import CHUNK

    path = tmp_path / "big-list.ttrec"
    state: dict[str, Any] = {"rows": list(range(450)), "other": 1}
    rec = Recorder(state, sink=path)
    rec.capture()
    del state["rows"][0:300]
    rec.capture(trigger="trim")
    rec.close()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.press("home")
        tree = app.state_tree
        rows = tree.find(("rows",))
        assert rows is not None
        rows.expand()
        await pilot.pause()
        labels = [str(c.label).strip() for c in rows.children]
        assert len(labels) == CHUNK + 1
        assert labels[0] == "0: 0" and labels[-1] == "… 250 more"
        tree.focus()
        tree.move_cursor(rows.children[-1])
        await pilot.press("enter")  # loads the next chunk (no key history for "more")
        labels = [str(c.label).strip() for c in rows.children]
        assert len(labels) == 2 * CHUNK + 1 and labels[-1] == "… 50 more"
        assert app.key_history.path is None
        await pilot.press("right")  # frame 1: 150 rows left, the node stays expanded
        assert rows.is_expanded
        labels = [str(c.label).strip() for c in rows.children]
        assert len(labels) == 150
        assert labels[0] == "0: 300" and labels[-1] == "149: 449"
