"""Recordings for the terminal UI tests, made with the core Recorder on a fake clock."""

from __future__ import annotations

import enum
import threading
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import timetravel.recorder
from timetravel import Recorder, Recording
from timetravel_tui.app import TimetravelApp

SIZE = (120, 40)


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class FakeClock:
    """Stands in for the ``time`` module the recorder uses: each call is 0.25 s later."""

    def __init__(self, start: float = 1_700_000_000.0, step: float = 0.25) -> None:
        self.now = start
        self.step = step

    def time(self) -> float:
        self.now += self.step
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Frame times 0.25 s apart, the same on every run (snapshots depend on it)."""
    clock = FakeClock()
    fake = types.SimpleNamespace(time=clock.time, monotonic=clock.monotonic)
    monkeypatch.setattr(timetravel.recorder, "time", fake)
    return clock


def record_todo_session(path: Path) -> None:
    """Twelve frames of a todo app, with a secret, an uncopyable value and an enum.

    ====  =========  ==============================================
    pos   trigger    change
    ====  =========  ==============================================
    0     initial    the whole state
    1     new_todo   new_todo = 'buy milk'
    2     add        todos[0] added, new_todo = ''
    3     new_todo   new_todo = 'write tests'
    4     add        todos[1] added, new_todo = ''
    5     toggle     todos[1]['done'] False -> True
    6     increment  count 0 -> 1
    7     filter     filter 'all' -> 'open'
    8     undo       back to frame 6 (filter)
    9     redo       forward to frame 7 (filter)
    10    increment  count 1 -> 2
    11    jump       to frame 5 (count, filter)
    ====  =========  ==============================================
    """
    state: dict[str, Any] = {
        "todos": [],
        "filter": "all",
        "new_todo": "",
        "api_key": "sk-very-secret",
        "count": 0,
        "conn": threading.Lock(),
        "color": Color.RED,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = Recorder(state, sink=path)
        rec.capture(page="todo")
        for title in ("buy milk", "write tests"):
            state["new_todo"] = title
            rec.capture(trigger="new_todo", page="todo")
            state["todos"].append({"title": title, "done": False})
            state["new_todo"] = ""
            rec.capture(trigger="add", page="todo")
        state["todos"][1]["done"] = True
        rec.capture(trigger="toggle", page="todo")
        state["count"] += 1
        rec.capture(trigger="increment", page="stats")
        state["filter"] = "open"
        rec.capture(trigger="filter", page="todo")
        rec.undo()
        rec.redo()
        state["count"] += 1
        rec.capture(trigger="increment", page="stats")
        rec.jump(5)
        rec.close()


@pytest.fixture
def todo_file(tmp_path: Path, fake_clock: FakeClock) -> Path:
    """The todo session recorded to ``snapshot.ttrec`` (a fixed name: snapshots show it)."""
    path = tmp_path / "snapshot.ttrec"
    record_todo_session(path)
    return path


def record_counter(path: Path, frames: int) -> None:
    """``frames`` frames of a counter and a list of 50 dicts, one field changed per frame."""
    state: dict[str, Any] = {f"k{i}": i for i in range(19)}
    state["items"] = [{"id": i, "qty": 0} for i in range(50)]
    rec = Recorder(state, sink=path, limit=50)
    rec.capture(page="main")
    for n in range(1, frames):
        state["items"][n % 50]["qty"] = n
        rec.capture(trigger=f"t{n % 7}", page="main")
    rec.close()


@pytest.fixture(scope="session")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 20,000-frame recording, made once per session."""
    path = tmp_path_factory.mktemp("big") / "big.ttrec"
    record_counter(path, 20_000)
    return path


def make_app(path: Path, **kwargs: Any) -> TimetravelApp:
    """The app on ``path``, opened as the CLI opens it (header only; the app indexes)."""
    return TimetravelApp(Recording.open(path, index=False), **kwargs)


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds (fails the test after ``timeout`` s)."""
    steps = int(timeout / 0.02)
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.02)
    assert condition(), "timed out waiting for the app"


async def loaded(pilot: Any) -> None:
    """Wait until the app has indexed its file and shown the first frame."""
    app = pilot.app
    await wait_for(pilot, lambda: app.loaded and (not len(app.source) or app.selected is not None))
    await pilot.pause()


class Notes:
    """Collects what an app notified."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def __call__(self, message: str, *args: Any, severity: str = "information", **kw: Any) -> None:
        self.messages.append((severity, str(message)))

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.messages)

    def text(self) -> str:
        return "\n".join(m for _, m in self.messages)
