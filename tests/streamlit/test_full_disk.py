"""A Streamlit app recording to a disk that fills up keeps working, undo included."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.streamlit.conftest import EXAMPLES
from timetravel import Recording

# AppTest in a child process with a file size limit (RLIMIT_FSIZE): writes past it fail
# with EFBIG, as they fail with ENOSPC on a full disk.
CHILD = textwrap.dedent(
    """
    import json, logging, os, resource, signal, sys, warnings
    from streamlit.testing.v1 import AppTest

    app, directory, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.environ["TIMETRAVEL_RECORD_DIR"] = directory
    records = []
    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())
    logging.getLogger("timetravel").addHandler(Keep())
    at = AppTest.from_file(app, default_timeout=60).run()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    for i in range(25):
        at.text_input(key="new_todo").input(f"todo number {i} " + "z" * 200).run()
        assert not at.exception, [e.value for e in at.exception]
    titles = [t["title"][:14] for t in at.session_state["todos"]]
    at.button(key="_timetravel_buttons_undo").click().run()
    at.button(key="_timetravel_buttons_undo").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = [t["title"][:14] for t in at.session_state["todos"]]
    print(json.dumps({"logged": records, "before": len(titles), "after": len(after)}))
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file size limits")
def test_an_app_whose_recording_disk_fills_up_keeps_working_with_undo(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(EXAMPLES / "todo.py"), str(tmp_path), "4000"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["before"] == 25 and result["after"] == 23
    logged = [m for m in result["logged"] if "in memory" in m]  # said once, not per frame
    assert len(logged) == 1 and "File too large" in logged[0], result["logged"]
    (path,) = tmp_path.glob("*.ttrec")
    recording = Recording.open(path)  # every frame written before the failure
    assert 2 <= len(recording) < 25 and not recording.truncated
    assert len(recording.state_at(-1)["todos"]) == len(recording) - 1
