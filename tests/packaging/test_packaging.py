"""What a user installs: the extras, the one-line errors for a missing one, the command's
habits (``-`` for standard input, shell completion). These run in the checkout and, from the
sdist, against an installed wheel (tests/packaging/check_dist.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import metadata
from pathlib import Path

import pytest

from timetravel import Recorder
from timetravel._extras import DISTRIBUTION, MissingExtraError

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "timetravel"


def python(code: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, **kw
    )  # type: ignore[call-overload]


def test_the_core_needs_only_msgpack_and_click() -> None:
    requires = metadata(DISTRIBUTION).get_all("Requires-Dist") or []
    core = sorted(re.split(r"[<>=!~ \[;]", r)[0] for r in requires if "extra ==" not in r)
    assert core == ["click", "msgpack"]
    extras = set(metadata(DISTRIBUTION).get_all("Provides-Extra") or [])
    assert {"streamlit", "tui", "deepdiff", "sql", "postgres", "all"} <= extras
    textual = [r for r in requires if r.startswith("textual")]
    assert textual and all('extra == "tui"' in r or 'extra == "all"' in r for r in textual)


def test_the_licence_is_an_spdx_expression() -> None:
    meta = metadata(DISTRIBUTION)
    assert meta["License-Expression"] == "MIT"
    assert "LICENSE" in (meta.get_all("License-File") or [])


def test_importing_the_streamlit_layer_without_streamlit_says_what_to_install() -> None:
    out = python(
        "import sys\n"
        "sys.modules['streamlit'] = None  # as if it were not installed\n"
        "try:\n"
        "    import timetravel.streamlit\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc, sep=': ')\n"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        "MissingExtraError: timetravel.streamlit needs Streamlit: "
        "pip install 'timetravel-streamlit[streamlit]'\n"
    )
    assert issubclass(MissingExtraError, ImportError)


def test_the_tui_command_without_textual_is_one_line_and_exit_2(tmp_path: Path) -> None:
    out = python(
        "import sys\n"
        "sys.modules['textual'] = None  # as if it were not installed\n"
        "from timetravel.cli import main\n"
        f"sys.argv = ['timetravel', 'tui', {str(tmp_path / 'x.ttrec')!r}]\n"
        "main()\n"
    )
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    assert out.stderr == (
        "timetravel: the terminal UI needs Textual: pip install 'timetravel-streamlit[tui]'\n"
    )


def test_info_reads_a_recording_from_standard_input(tmp_path: Path) -> None:
    path = tmp_path / "session.ttrec"
    state: dict[str, object] = {"n": 0}
    with Recorder(state, sink=path) as rec:
        rec.capture()
        state["n"] = 1
        rec.capture(trigger="inc")
    # As `cat session.ttrec | timetravel info -` runs it.
    with path.open("rb") as stdin:
        out = subprocess.run(
            [str(SCRIPT), "info", "-"], stdin=stdin, capture_output=True, text=True, timeout=60
        )
    assert out.returncode == 0, out.stderr
    assert "frames:     2" in out.stdout and "triggers:   initial (1), inc (1)" in out.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts(shell: str) -> None:
    env = {**os.environ, "_TIMETRAVEL_COMPLETE": f"{shell}_source"}
    out = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "_TIMETRAVEL_COMPLETE" in out.stdout


def test_shell_completion_completes_commands() -> None:
    env = {
        **os.environ,
        "_TIMETRAVEL_COMPLETE": "bash_complete",
        "COMP_WORDS": "timetravel ",
        "COMP_CWORD": "1",
    }
    out = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    commands = {line.split(",")[1] for line in out.stdout.splitlines()}
    assert {"info", "export", "check", "tui"} <= commands


def test_messages_name_the_distribution_not_the_import_package() -> None:
    """`pip install timetravel` installs somebody else's project."""
    import timetravel

    files = [*Path(timetravel.__file__).parent.rglob("*.py")]
    files += [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    for path in files:
        text = path.read_text()
        assert not re.search(r"pip install ['\"]?timetravel(?![-\w])", text), path
        assert not re.search(r"['`\"]timetravel\[", text), path
