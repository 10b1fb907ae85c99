"""The dependency rules: the core imports neither textual nor streamlit; the terminal UI is
the package ``timetravel_tui`` (the repository's ``tui/`` folder) and nothing installs a
generic top-level name."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The packages as imported: the checkout's folders, or an installed wheel's (the sdist's tests
# run against an installed wheel, tests/packaging/check_dist.py).
CORE = Path(importlib.util.find_spec("timetravel").origin or "").parent  # type: ignore[union-attr]
TUI = Path(importlib.util.find_spec("timetravel_tui").origin or "").parent  # type: ignore[union-attr]


def test_importing_the_core_loads_neither_textual_nor_streamlit() -> None:
    code = (
        "import sys, timetravel, timetravel.cli\n"
        "bad = [m for m in ('textual', 'streamlit', 'tui', 'timetravel_tui') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_core_modules_do_not_import_textual_or_tui() -> None:
    assert (CORE / "recorder.py").is_file(), CORE
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in {"textual", "tui", "timetravel_tui"}, f"{path} imports {name}"
                if top == "streamlit":
                    assert (CORE / "streamlit") in path.parents, path


def test_public_surface() -> None:
    import timetravel

    for name in ("Recorder", "Recording", "Frame", "Change", "RecordingError"):
        assert name in timetravel.__all__ and getattr(timetravel, name).__doc__


# Attributes of Streamlit's private internals the Streamlit layer reads.
_PRIVATE = re.compile(
    r"\._(state|key_id_mapper|new_widget_state|widget_changed|has_script_started|target)\b"
    r"|\bon_event\b|\bscript_requests\b|\bScriptRunner\b|streamlit\.runtime"
)


def test_only_one_module_touches_streamlit_internals() -> None:
    package = CORE / "streamlit"
    touching = sorted(
        str(p.relative_to(package)) for p in package.rglob("*.py") if _PRIVATE.search(p.read_text())
    )
    assert touching == ["_internals.py"]


def test_the_streamlit_layer_keeps_its_public_names() -> None:
    import timetravel.streamlit as tt

    names = ("track", "undo_buttons", "history_panel", "action", "viewer", "current")
    for name in (*names, "StreamlitRecorder"):
        assert name in tt.__all__ and getattr(tt, name).__doc__, name
    assert "data_editor" in tt.__all__


def _packages_in(folder: Path, name: str) -> set[str]:
    return {
        ".".join([name, *init.parent.relative_to(folder).parts])
        for init in folder.rglob("__init__.py")
        if "__pycache__" not in init.parts
    }


def test_every_package_is_listed_in_pyproject() -> None:
    """pyproject.toml lists the packages (tui/ is mapped to timetravel_tui), so a new
    subpackage must be added there or the wheel would leave it out."""
    block = re.search(r"\npackages = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), re.S)
    assert block, "pyproject.toml has [tool.setuptools] packages"
    listed = set(re.findall(r'"([\w.]+)"', block.group(1)))
    found = _packages_in(CORE, "timetravel") | _packages_in(TUI, "timetravel_tui")
    assert listed == found


def test_the_terminal_ui_is_timetravel_tui() -> None:
    import timetravel_tui.cli

    assert TUI.name in {"tui", "timetravel_tui"} and (TUI / "app.tcss").is_file()
    assert timetravel_tui.cli.command.name == "tui"
    for path in TUI.rglob("*.py"):  # its modules import each other relatively (mypy checks tui/)
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            assert not {n.split(".")[0] for n in names} & {"tui", "timetravel_tui"}, path
