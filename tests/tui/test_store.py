"""The terminal UI opens a session from a store (`timetravel tui STORE#ID`) as it opens a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from timetravel import Recorder
from timetravel.stores import open_store

from .conftest import SIZE, loaded, make_app


async def test_the_tui_opens_a_session_of_a_sqlite_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/sessions.db"
    store = open_store(url)
    stream = store.open_session("s1")
    state: dict[str, Any] = {"count": 0}
    with Recorder(state, sink=stream) as rec:
        rec.capture()
        for n in range(1, 6):
            state["count"] = n
            rec.capture(trigger="plus")
    store.close()
    app = make_app(f"{url}#s1")  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert len(app.source) == 6
        await pilot.press("end")
        await pilot.pause()
        assert app.selected == 5
