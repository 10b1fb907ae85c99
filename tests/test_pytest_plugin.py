"""The pytest plugin: recordings as test cases, run through pytester in a subprocess."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

RECORD = """
import os, sys
from streamlit.testing.v1 import AppTest
os.environ["TIMETRAVEL_RECORD_DIR"] = sys.argv[2]
at = AppTest.from_file(sys.argv[1], default_timeout=30).run()
at.text_input(key="new_todo").input("alpha").run()
at.checkbox(key="done_0").check().run()
at.button(key="_timetravel_buttons_undo").click().run()
"""


@pytest.fixture(autouse=True)
def _no_autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    # Autoloading off: the plugin runs as named in _run, installed or not.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("TIMETRAVEL_RECORD_DIR", raising=False)


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "timetravel.pytest_plugin", *args)


@pytest.fixture
def recorded(pytester: pytest.Pytester) -> Path:
    """todo.py in the test project, and a recording of it in recordings/."""
    app = pytester.path / "todo.py"
    shutil.copy(EXAMPLES / "todo.py", app)
    folder = pytester.path / "recordings"
    script = pytester.path / "record_it.py"
    script.write_text(RECORD)
    result = pytester.run(
        __import__("sys").executable, str(script), str(app), str(folder), timeout=120
    )
    assert result.ret == 0, result.errlines
    (path,) = folder.glob("*.ttrec")
    return path


def test_recordings_become_passing_tests(pytester: pytest.Pytester, recorded: Path) -> None:
    result = _run(pytester, "--timetravel-recordings", "recordings", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*recordings/{recorded.name}::replay PASSED*"])


def test_a_changed_app_fails_with_the_divergence(
    pytester: pytest.Pytester, recorded: Path
) -> None:
    app = pytester.path / "todo.py"
    app.write_text(app.read_text().replace('"done": False}', '"done": True}'))
    result = _run(pytester, "--timetravel-recordings", "recordings")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*todo.py the app diverges from the recording at frame 1*",
            "*~ todos?0??'done'?: False -> True*",  # (fnmatch: [] is a class)
        ]
    )


def test_the_app_option_and_a_missing_app(pytester: pytest.Pytester, recorded: Path) -> None:
    (pytester.path / "todo.py").rename(pytester.path / "other.py")
    result = _run(pytester, "--timetravel-recordings", "recordings")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*was recorded from 'todo.py'*--timetravel-app APP.py*"])
    result = _run(
        pytester, "--timetravel-recordings", "recordings", "--timetravel-app", "other.py"
    )
    result.assert_outcomes(passed=1)


def test_the_helpers_in_a_test_and_no_streamlit_without_recordings(
    pytester: pytest.Pytester,
) -> None:
    shutil.copy(EXAMPLES / "todo.py", pytester.path / "todo.py")
    pytester.makepyfile(
        test_app="""
        import sys
        from pathlib import Path

        def test_plugin_alone_does_not_import_streamlit():
            assert "streamlit" not in sys.modules

        def test_undo_redo(tmp_path):
            from streamlit.testing.v1 import AppTest
            from timetravel.testing import history, redo, undo

            at = AppTest.from_file(str(Path(__file__).parent / "todo.py")).run()
            at.text_input(key="new_todo").input("milk").run()
            undo(at)
            assert at.session_state["todos"] == []
            redo(at)
            assert [f.trigger for f in history(at)] == ["initial", "new_todo", "undo", "redo"]
        """
    )
    result = _run(pytester, "-p", "no:randomly")
    result.assert_outcomes(passed=2)


def test_a_recordings_option_that_is_not_a_folder(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "--timetravel-recordings", "nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--timetravel-recordings: *nowhere is not a folder*"])
