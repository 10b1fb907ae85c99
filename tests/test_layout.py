"""The dependency rules: the core imports neither textual nor streamlit."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_core_loads_neither_textual_nor_streamlit() -> None:
    code = (
        "import sys, timetravel, timetravel.cli\n"
        "bad = [m for m in ('textual', 'streamlit', 'tui') if m in sys.modules]\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_core_modules_do_not_import_textual_or_tui() -> None:
    for path in (ROOT / "timetravel").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in {"textual", "tui"}, f"{path.name} imports {name}"
                if top == "streamlit":
                    assert path.name.startswith("streamlit") or path.parent.name == "streamlit", (
                        path
                    )


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
    package = ROOT / "timetravel" / "streamlit"
    touching = sorted(p.name for p in package.glob("*.py") if _PRIVATE.search(p.read_text()))
    assert touching == ["_internals.py"]


def test_the_streamlit_layer_keeps_its_public_names() -> None:
    import timetravel.streamlit as tt

    for name in ("track", "undo_buttons", "history_panel", "current", "StreamlitRecorder"):
        assert name in tt.__all__ and getattr(tt, name).__doc__, name
    assert "data_editor" in tt.__all__
