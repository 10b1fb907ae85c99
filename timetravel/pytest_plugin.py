"""timetravel's pytest plugin: recordings as test cases.

``pytest --timetravel-recordings DIR`` collects every ``*.ttrec`` file under ``DIR`` as a
test that replays it against its app (``timetravel replay``) and fails with the first
divergence. The app is ``--timetravel-app APP.py`` (or the ``timetravel_app`` ini option,
relative to the rootdir); without it, the script named in the recording's header (its file
name) is looked for next to the recording, then in the rootdir.

The plugin is loaded in every pytest run where timetravel is installed, so it imports
nothing beyond pytest until a recording is collected. The ``AppTest`` helpers are in
:mod:`timetravel.testing`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["RecordingFile", "RecordingItem"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("timetravel", "timetravel recordings")
    group.addoption(
        "--timetravel-recordings",
        action="append",
        default=[],
        metavar="DIR",
        help="Replay every .ttrec file under DIR against its app, one test each.",
    )
    group.addoption(
        "--timetravel-app",
        default=None,
        metavar="APP",
        help="The Streamlit script the recordings are replayed against (default: the script "
        "named in each recording, next to it or in the rootdir).",
    )
    group.addoption(
        "--timetravel-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="The longest one run of the app may take in a replay (default 30).",
    )
    parser.addini("timetravel_app", "The Streamlit script recordings are replayed against.")


def _dirs(config: pytest.Config) -> list[Path]:
    return [Path(d).resolve() for d in config.getoption("timetravel_recordings") or []]


def pytest_configure(config: pytest.Config) -> None:
    for d in _dirs(config):
        if not d.is_dir():
            raise pytest.UsageError(f"--timetravel-recordings: {d} is not a folder")
        # Collect the folder even where it is not among the paths pytest was given.
        if str(d) not in config.args:
            config.args.append(str(d))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RecordingFile | None:
    if file_path.suffix != ".ttrec":
        return None
    dirs = _dirs(parent.config)
    if not any(file_path.resolve().is_relative_to(d) for d in dirs):
        return None
    found: RecordingFile = RecordingFile.from_parent(parent, path=file_path)
    return found


class RecordingFile(pytest.File):
    """A recording: one test, its replay."""

    def collect(self) -> Iterator[RecordingItem]:
        yield RecordingItem.from_parent(self, name="replay")


class ReplayFailed(Exception):
    """The app diverged from the recording (the message is the divergence)."""


class RecordingItem(pytest.Item):
    """Replays one recording against its app."""

    def _app(self) -> Path:
        config = self.config
        given = config.getoption("timetravel_app") or config.getini("timetravel_app")
        if given:
            path = Path(given)
            return path if path.is_absolute() else Path(config.rootpath) / path
        from timetravel.recording import Recording

        name = Recording.open(self.path).app.get("app")
        if not isinstance(name, str) or not name or os.path.basename(name) != name:
            raise ReplayFailed(
                f"{self.path.name} names no app: pass --timetravel-app APP.py"
            )
        for folder in (self.path.parent, Path(config.rootpath)):
            if (folder / name).is_file():
                return folder / name
        raise ReplayFailed(
            f"{self.path.name} was recorded from {name!r}, which is neither next to it nor in "
            f"{config.rootpath}: pass --timetravel-app APP.py"
        )

    def runtest(self) -> None:
        from timetravel.errors import RecordingError
        from timetravel.streamlit.replay import ReplayError, replay

        app = self._app()
        try:
            result = replay(
                self.path, app, timeout=self.config.getoption("timetravel_timeout")
            )
        except (ReplayError, RecordingError) as exc:
            raise ReplayFailed(f"can't replay {self.path.name}: {exc}") from None
        if not result.ok:
            raise ReplayFailed(f"{app.name} {result.describe()}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ReplayFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"replay {self.path.name}"
