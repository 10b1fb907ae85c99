"""A scripted todo-app session, recorded to a file: what `make demo` runs.

It drives a plain dict the way a Streamlit app drives ``st.session_state``: each "rerun"
changes the state, then the recorder captures a frame. Undo, redo and a jump to an abandoned
branch show that nothing recorded is ever lost.

    python examples/scripted_session.py recordings/demo.ttrec
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from timetravel import Recorder, format_path


def main(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    state: dict[str, Any] = {"todos": [], "filter": "all", "new_todo": "", "api_key": "sk-demo"}
    rec = Recorder(state, sink=path, meta={"app": "scripted todo demo"})
    rec.capture(page="todo")

    def rerun(trigger: str) -> None:
        frame = rec.capture(trigger=trigger)
        if frame is not None:
            changes = "; ".join(str(c) for c in frame.changes) or "(no change)"
            print(f"frame {frame.index:>2}  {trigger:<12} {changes}")

    for title in ("buy milk", "write tests", "ship it"):
        state["new_todo"] = title
        rerun("new_todo")
        state["todos"].append({"title": title, "done": False})
        state["new_todo"] = ""
        rerun("add")
    state["todos"][1]["done"] = True  # in place, deep inside a list
    rerun("toggle")
    state["filter"] = "open"
    rerun("filter")

    rec.undo()
    print(f"undo  -> filter is {state['filter']!r} again (frame {rec.frames[-1].index})")
    rec.undo()
    print(f"undo  -> 'write tests' done: {state['todos'][1]['done']}")
    rec.redo()
    print(f"redo  -> 'write tests' done: {state['todos'][1]['done']}")

    del state["todos"][0]  # a new branch: redo is gone, the old frames are not
    rerun("delete")
    print(f"can redo after a new change: {rec.can_redo}")
    abandoned = next(f.index for f in rec.frames if f.trigger == "filter")
    rec.jump(abandoned)
    print(f"jump  -> frame {abandoned} ({format_path(('filter',))} = {state['filter']!r})")
    rec.close()
    print(f"\nrecorded {len(rec.frames)} frames to {path} (api_key redacted in the file)\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "recordings/demo.ttrec")
