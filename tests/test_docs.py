"""The examples in docs/ run and print what the docs say they print."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
# Pages whose examples each stand alone, and pages that are one continuing session.
ISOLATED = ["api.md", "deployment.md", "format.md", "kinds.md", "stores.md", "testing.md"]
SESSION = ["quickstart.md"]


def _python_blocks(page: str) -> list[tuple[int, str]]:
    text = (DOCS / page).read_text()
    return [
        (text.count("\n", 0, m.start()) + 1, m.group(1))
        for m in re.finditer(r"```(?:python|pycon)\n(.*?)```", text, re.S)
    ]


def _run(page: str, blocks: list[tuple[int, str]], shared: bool) -> None:
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    globs: dict[str, object] = {"__name__": "__main__"}  # examples read as typed at a prompt
    for line, block in blocks:
        scope = globs if shared else {"__name__": "__main__"}
        if ">>>" not in block:
            if shared:  # a session page: plain code sets up what later examples use
                exec(compile(block, f"{page}:{line}", "exec"), scope)
            continue
        test = parser.get_doctest(block, scope, f"{page}:{line}", page, line)
        runner.run(test, clear_globs=False)
        if shared:  # DocTest works on a copy of the globals: carry the session on
            globs.update(test.globs)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) in docs/{page} failed (see output)"


@pytest.mark.parametrize("page", ISOLATED + SESSION)
def test_doc_examples(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _python_blocks(page)
    assert blocks, f"docs/{page} has no examples"
    monkeypatch.chdir(tmp_path)
    _run(page, blocks, shared=page in SESSION)


def test_streamlit_guide_sessions_print_what_the_guide_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Apps the guide names (`counter.py`:) are saved; AppTest sessions run against them."""
    import contextlib
    import io

    text = (DOCS / "streamlit.md").read_text()
    for name, code in re.findall(r"`(\w+\.py)`:\n\n```python\n(.*?)```", text, re.S):
        (tmp_path / name).write_text(code)
    sessions = re.findall(
        r"```python\n((?:(?!```).)*?AppTest\.from_file.*?)```\n\n```text\n(.*?)```", text, re.S
    )
    assert sessions, "the guide shows an AppTest session and what it prints"
    monkeypatch.chdir(tmp_path)
    for code, expected in sessions:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "streamlit.md", "exec"), {"__name__": "__main__"})
        assert out.getvalue() == expected


def test_streamlit_guide_apps_run() -> None:
    """Every complete app in docs/streamlit.md runs under AppTest without an exception."""
    from streamlit.testing.v1 import AppTest

    text = (DOCS / "streamlit.md").read_text()
    apps = [b for _, b in _python_blocks("streamlit.md") if "import streamlit" in b]
    assert len(apps) >= 5, "the guide's examples are apps"
    for app in apps:
        at = AppTest.from_string(app, default_timeout=30).run()
        assert not at.exception, (app[:200], [e.value for e in at.exception])
    assert "tt.track()" in text


def test_the_minimal_reader_in_the_format_spec_prints_what_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/format.md's reader, saved as it says, lists the recording it makes as shown."""
    import subprocess
    import sys

    text = (DOCS / "format.md").read_text()
    section = text[text.index("## A minimal reader") :]
    reader, recording = re.findall(r"```python\n(.*?)```", section, re.S)[:2]
    shown = re.search(r"```console\n\$ (.*?)\n(.*?)```", section, re.S)
    assert shown, "the spec shows the reader's output"
    command, expected = shown.groups()
    (tmp_path / "ttrec_ls.py").write_text(reader)
    monkeypatch.chdir(tmp_path)
    exec(compile(recording, "format.md", "exec"), {"__name__": "__main__"})
    args = command.split()
    assert args[0] == "python"
    out = subprocess.run(
        [sys.executable, *args[1:]], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout == expected
