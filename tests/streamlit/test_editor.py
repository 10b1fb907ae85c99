"""tt.data_editor: cell edits, added rows and deleted rows are undo steps."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from tests.streamlit.conftest import frames, no_exception

UNDO, REDO = "_timetravel_buttons_undo", "_timetravel_buttons_redo"


def _app() -> None:
    import pandas as pd
    import streamlit as st

    import timetravel.streamlit as tt

    tt.track()
    tt.undo_buttons()
    start = pd.DataFrame({"item": ["milk", "eggs"], "qty": [1, 12]})
    edited = tt.data_editor(start, key="groceries", num_rows="dynamic")
    st.write(f"{len(edited)} rows, {int(edited['qty'].sum())} items")


def _editor_id(at: AppTest) -> tuple[str, str]:
    """The widget key and id of the table's editor, as mounted in the last run."""
    # Streamlit's SessionState behind this AppTest (AppTest's own wrapper varies by version)
    internals = getattr(at, "_session_state", at.session_state)._state
    mapping = internals._key_id_mapper.id_key_mapping
    keys = [k for k in mapping.values() if k.startswith("_timetravel_editor_")]
    assert keys, "the editor is not mounted"
    key = max(keys, key=lambda k: int(k.removeprefix("_timetravel_editor_").split("_")[0]))
    return key, mapping_id(internals, key)


def mapping_id(internals: Any, key: str) -> str:
    wid = internals._key_id_mapper.get_id_from_key(key)
    assert isinstance(wid, str)
    return wid


def edit(at: AppTest, edits: dict[str, Any]) -> None:
    """What the browser sends when the user edits the table: the editor's whole edit state."""
    _, wid = _editor_id(at)
    states: WidgetStates = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = wid
    state.string_value = json.dumps(
        {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **edits}
    )
    at._run(states)
    no_exception(at)


def rows(df: pd.DataFrame) -> list[tuple[str, int]]:
    return [(str(i), int(q)) for i, q in zip(df["item"], df["qty"], strict=True)]


def table(at: AppTest) -> list[tuple[str, int]]:
    return rows(at.session_state.groceries)


def shown(at: AppTest) -> list[tuple[str, int]]:
    """What the editor shows: the table it was mounted with (no edits pending after a mount)."""
    return rows(at.dataframe[0].value)


def test_edits_are_undo_steps_and_undo_shows_the_restored_table() -> None:
    at = AppTest.from_function(_app, default_timeout=30).run()
    no_exception(at)
    seen = [table(at)]
    edit(at, {"edited_rows": {"0": {"qty": 2}}})  # a cell
    seen.append(table(at))
    edit(at, {"edited_rows": {"0": {"qty": 2}}, "added_rows": [{"item": "tea", "qty": 3}]})
    seen.append(table(at))
    edit(
        at,
        {
            "edited_rows": {"0": {"qty": 2}},
            "added_rows": [{"item": "tea", "qty": 3}],
            "deleted_rows": [1],  # eggs
        },
    )
    seen.append(table(at))
    assert seen == [
        [("milk", 1), ("eggs", 12)],
        [("milk", 2), ("eggs", 12)],
        [("milk", 2), ("eggs", 12), ("tea", 3)],
        [("milk", 2), ("tea", 3)],
    ]
    assert [f.trigger for f in frames(at)] == ["initial", "groceries", "groceries", "groceries"]
    assert at.markdown[0].value == "2 rows, 5 items"

    for i in (2, 1, 0):
        before = len(frames(at))
        at.button(key=UNDO).click().run()
        no_exception(at)
        assert len(frames(at)) == before + 1 and frames(at)[-1].trigger == "undo"
        assert table(at) == seen[i]
        # The editor was mounted afresh with the restored table, so it shows it.
        assert shown(at) == seen[i]
    assert at.button(key=UNDO).disabled
    assert at.markdown[0].value == "2 rows, 13 items"

    for i in (1, 2, 3):
        at.button(key=REDO).click().run()
        no_exception(at)
        assert table(at) == seen[i]
    assert at.button(key=REDO).disabled

    # Editing the remounted table goes on from what it shows.
    edit(at, {"edited_rows": {"1": {"qty": 4}}})
    assert table(at) == [("milk", 2), ("tea", 4)]
    at.button(key=UNDO).click().run()
    assert table(at) == [("milk", 2), ("tea", 3)]


def test_an_unedited_table_records_nothing_after_the_first_run() -> None:
    at = AppTest.from_function(_app, default_timeout=30).run()
    at.run()
    at.run()
    no_exception(at)
    assert [f.trigger for f in frames(at)] == ["initial"]
    assert at.button(key=UNDO).disabled
