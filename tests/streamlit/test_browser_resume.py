"""Two `streamlit run` servers share one PostgreSQL store: a session started on the first
opens on the second with its state and history, and Undo there takes back what was done on
the first (issue 10). Headless Chromium, real servers, a real database on loopback."""

from __future__ import annotations

import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.streamlit.conftest import EXAMPLES, screenshot
from tests.streamlit.server import start_streamlit, stop
from tests.streamlit.test_browser import UNDO_NAME, TodoPage, wait_idle
from timetravel import Recording
from timetravel.stores import open_store
from timetravel.streamlit.resume import QUERY_PARAM


@pytest.fixture
def two_servers(pg_url: str) -> Iterator[tuple[str, str, str]]:
    """The todo example served twice, both recording to one PostgreSQL database."""
    env = {"TIMETRAVEL_STORE": pg_url, "TIMETRAVEL_RECORD_DIR": ""}
    procs = []
    try:
        first, url1 = start_streamlit(EXAMPLES / "todo.py", env)
        procs.append(first)
        second, url2 = start_streamlit(EXAMPLES / "todo.py", env)
        procs.append(second)
        yield url1, url2, pg_url
    finally:
        for proc in procs:
            stop(proc)


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("button", name=UNDO_NAME)).to_be_visible(timeout=30_000)
    wait_idle(page)


def session_in_url(page: Page) -> str:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
        if query.get(QUERY_PARAM):
            return query[QUERY_PARAM][0]
        page.wait_for_timeout(100)
    pytest.fail(f"no {QUERY_PARAM} in {page.url}")


def test_a_session_moves_to_another_replica_with_its_undo_history(
    two_servers: tuple[str, str, str], page: Page
) -> None:
    url1, url2, store = two_servers
    open_app(page, url1)
    todos = TodoPage(page)
    todos.add("alpha")
    todos.add("beta")
    todos.check(0)
    sid = session_in_url(page)

    open_app(page, f"{url2}/?{QUERY_PARAM}={sid}")  # the same URL, on the other replica
    todos = TodoPage(page)
    todos.expect_rows(["alpha", "beta"], [True, False])
    screenshot(page, "resume-second-replica.png")
    todos.undo()  # takes back the check made on the first server
    todos.expect_rows(["alpha", "beta"], [False, False])
    todos.undo()
    todos.expect_rows(["alpha"])
    assert session_in_url(page) == sid

    open_app(page, f"{url1}/?{QUERY_PARAM}={sid}")  # back on the first: one history
    todos = TodoPage(page)
    todos.expect_rows(["alpha"])
    todos.redo()
    todos.expect_rows(["alpha", "beta"])
    deadline = time.monotonic() + 10  # the servers write in the background
    while True:
        triggers = [f.trigger for f in Recording.open(open_store(store), session=sid)]
        if "redo" in triggers or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert triggers.count("undo") == 2 and "redo" in triggers


def test_the_demo_resumes_after_a_refresh(tmp_path: Path, page: Page) -> None:
    """`make demo`: the todo example recording to a folder; F5 brings the session back."""
    proc, url = start_streamlit(EXAMPLES / "todo.py", {"TIMETRAVEL_RECORD_DIR": str(tmp_path)})
    try:
        open_app(page, url)
        todos = TodoPage(page)
        todos.add("alpha")
        todos.add("beta")
        sid = session_in_url(page)
        page.reload()  # a refresh: a new Streamlit session
        expect(page.get_by_role("button", name=UNDO_NAME)).to_be_visible(timeout=30_000)
        wait_idle(page)
        todos = TodoPage(page)
        todos.expect_rows(["alpha", "beta"])
        todos.undo()  # takes back what was done before the refresh
        todos.expect_rows(["alpha"])
        assert session_in_url(page) == sid
        assert [p.stem for p in tmp_path.glob("*.ttrec")] == [sid]
    finally:
        stop(proc)
