"""The README's examples must run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

README = Path(__file__).resolve().parent.parent / "README.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def test_readme_core_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    core = [b for b in _blocks() if "timetravel.streamlit" not in b]
    assert core, "the README has a core example"
    monkeypatch.chdir(tmp_path)
    for block in core:
        exec(compile(block, str(README), "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    assert "5 frames" in out and "2 toggle False -> True" in out


def test_readme_streamlit_example_runs_as_an_app() -> None:
    (app,) = [b for b in _blocks() if "timetravel.streamlit" in b]
    at = AppTest.from_string(app, default_timeout=30).run()
    at.text_input(key="name").input("Ann").run()
    at.slider(key="size").set_value(7).run()
    at.button(key="_timetravel_buttons_undo").click().run()
    assert not at.exception
    assert at.slider(key="size").value == 1 and at.text_input(key="name").value == "Ann"
