"""Acceptance helpers for "one Undo takes back exactly one user action".

``screen(at)`` is what the user sees in the main area of an app driven by AppTest (widget
values and the app's own output, not the sidebar and not timetravel's own buttons);
``walk_back_and_forth`` does a list of user actions, then undoes and redoes every one of them,
checking after each click that the screen is the one the user saw after the matching action.
``run_fragment`` reruns only an ``@st.fragment``, the way a browser does when a widget inside
the fragment changes (AppTest by itself always reruns the whole script).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from unittest import mock

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.scriptrunner import ScriptRunnerEvent
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Element
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

UNDO = "_timetravel_buttons_undo"
REDO = "_timetravel_buttons_redo"
OWN_PREFIX = "_timetravel"

Entry = tuple[str, str, str, Any]
"""(region, element type, widget key or label, value)"""
Screen = tuple[Entry, ...]
Action = tuple[str, Callable[[AppTest], object]]
"""(description, callable doing one user action on the AppTest, including ``.run()``)"""

# Widgets whose value the user sees (and sets).
WIDGETS = frozenset(
    {
        "text_input",
        "text_area",
        "number_input",
        "slider",
        "select_slider",
        "checkbox",
        "toggle",
        "radio",
        "selectbox",
        "multiselect",
        "date_input",
        "date_time_input",
        "time_input",
        "color_picker",
        "button_group",  # st.pills, st.segmented_control
        "feedback",
        "pagination",
    }
)
BUTTONS = frozenset({"button", "download_button", "link_button", "page_link", "menu_button"})
# The app's own output.
OUTPUT = frozenset(
    {
        "markdown",
        "caption",
        "latex",
        "title",
        "header",
        "subheader",
        "text",
        "code",
        "json",
        "error",
        "warning",
        "info",
        "success",
        "html",
        "progress",
    }
)
# The root's blocks: 0 is the main area, 1 the sidebar, 2 where dialogs are drawn.
REGIONS = {0: "main", 2: "dialog"}


# --- what the user sees ---------------------------------------------------------------------


def _freeze(value: Any) -> Any:
    """A hashable, comparable copy of a widget's or element's value."""
    if isinstance(value, Mapping):
        return tuple(sorted(((str(k), _freeze(v)) for k, v in value.items()), key=repr))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted((_freeze(v) for v in value), key=repr))
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a pandas DataFrame
        return _freeze(value.to_dict(orient="split"))
    if value is None or isinstance(value, (str, int, float, bool, dt.date, dt.time)):
        return value
    return repr(value)


def _nodes(block: Block) -> Iterator[Element]:
    """The nodes under ``block`` in the order they are drawn."""
    for index in sorted(block.children):
        child = block.children[index]
        if isinstance(child, Block):
            yield from _nodes(child)
        else:
            yield child


def _entry(region: str, node: Element) -> Entry | None:
    kind = node.type
    key = getattr(node, "key", None)
    if isinstance(key, str) and key.startswith(OWN_PREFIX):
        return None
    label = getattr(node, "label", None)
    name = key or (str(label) if label is not None else "")
    if kind in WIDGETS:
        return (region, kind, name, _freeze(node.value))
    if kind in BUTTONS:
        return (region, kind, "", str(label))
    if kind in OUTPUT:
        return (region, kind, "", _freeze(node.value))
    if kind == "metric":
        return (region, kind, str(label), (str(node.value), str(getattr(node, "delta", ""))))
    if kind in ("dataframe", "table"):
        return (region, kind, "", _freeze(node.value))
    return None  # dividers, spaces, images, toasts, ...: not what these tests compare


def screen(at: AppTest) -> Screen:
    """What the user sees in the main area (and in an open dialog), in drawing order."""
    entries: list[Entry] = []
    for index, region in REGIONS.items():
        block = at._tree.children.get(index)
        if not isinstance(block, Block):
            continue
        for node in _nodes(block):
            entry = _entry(region, node)
            if entry is not None:
                entries.append(entry)
    return tuple(entries)


def show(s: Screen) -> str:
    """One line per entry, for failure messages."""
    lines = [
        f"  {region:6} {kind:13} {name or '-':18} {value!r}" for region, kind, name, value in s
    ]
    return "\n".join(lines) or "  (empty)"


def explain(step: str, expected: Screen, actual: Screen) -> str:
    diff = "\n".join(
        difflib.unified_diff(
            show(expected).splitlines(),
            show(actual).splitlines(),
            "expected",
            "shown",
            lineterm="",
        )
    )
    return (
        f"{step}: the screen differs from the expected one\n"
        f"expected:\n{show(expected)}\nshown:\n{show(actual)}\ndiff:\n{diff}"
    )


# --- frames, buttons ------------------------------------------------------------------------


def frames(at: AppTest) -> list[Any]:
    return list(at.session_state["_timetravel"].frames)


def no_exception(at: AppTest, step: str) -> None:
    assert not at.exception, f"{step}: the app raised: {[e.value for e in at.exception]}"


def disabled(at: AppTest, key: str) -> bool:
    return bool(at.button(key=key).disabled)


def one_new_frame(at: AppTest, before: int, step: str, trigger: str) -> Any:
    """The one frame recorded since there were ``before`` frames; its trigger is ``trigger``."""
    new = frames(at)[before:]
    assert len(new) == 1, (
        f"{step}: expected exactly one new frame, got {len(new)}: "
        f"{[(f.index, f.trigger, len(f.changes)) for f in new]}"
    )
    assert new[0].trigger == trigger, (
        f"{step}: the new frame's trigger is {new[0].trigger!r}, expected {trigger!r}"
    )
    return new[0]


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    return at


def undo(at: AppTest) -> AppTest:
    return click(at, UNDO)


def redo(at: AppTest) -> AppTest:
    return click(at, REDO)


def interact(at: AppTest, step: str, act: Callable[[AppTest], object], trigger: str) -> Any:
    """Do one user interaction; it must record exactly one frame named ``trigger``."""
    before = len(frames(at))
    act(at)
    no_exception(at, step)
    return one_new_frame(at, before, step, trigger)


def walk_back_and_forth(
    at: AppTest, actions: Sequence[Action], *, triggers: Sequence[str]
) -> list[Screen]:
    """Do ``actions`` from the app's first screen, then Undo each one and Redo each one.

    Each action must record exactly one frame (with changes) named by its entry in
    ``triggers``; after it Undo is enabled and Redo disabled. Then Undo, clicked ``len(actions)``
    times, must show the screen seen after each earlier action in turn (each click one frame,
    "undo"), ending on the first screen with Undo disabled; Redo must walk forward the same
    way and end with Redo disabled. Returns the screens: the first one, then one per action.
    """
    assert len(actions) == len(triggers), "one expected trigger per action"
    no_exception(at, "the first run")
    assert disabled(at, UNDO), "Undo is enabled before the user did anything"
    assert disabled(at, REDO), "Redo is enabled before the user did anything"
    screens = [screen(at)]
    for n, ((what, act), trigger) in enumerate(zip(actions, triggers, strict=True), 1):
        step = f"action {n} ({what})"
        frame = interact(at, step, act, trigger)
        assert frame.changes, f"{step}: its frame records no changes"
        now = screen(at)
        assert now != screens[-1], f"{step} changed nothing on screen (a bad test?)\n{show(now)}"
        assert not disabled(at, UNDO), f"{step}: Undo is disabled right after it"
        assert disabled(at, REDO), f"{step}: Redo is enabled right after it"
        screens.append(now)

    count = len(actions)
    for k in range(1, count + 1):
        target = count - k
        step = f"Undo #{k} (back to the screen after action {target})"
        if target == 0:
            step = f"Undo #{k} (back to the first screen)"
        assert not disabled(at, UNDO), f"{step}: Undo is disabled"
        before = len(frames(at))
        undo(at)
        no_exception(at, step)
        one_new_frame(at, before, step, "undo")
        assert screen(at) == screens[target], explain(step, screens[target], screen(at))
    assert disabled(at, UNDO), "Undo is still enabled after every action was undone"

    for k in range(1, count + 1):
        step = f"Redo #{k} (forward to the screen after action {k})"
        assert not disabled(at, REDO), f"{step}: Redo is disabled"
        before = len(frames(at))
        redo(at)
        no_exception(at, step)
        one_new_frame(at, before, step, "redo")
        assert screen(at) == screens[k], explain(step, screens[k], screen(at))
    assert disabled(at, REDO), "Redo is still enabled after every action was redone"
    return screens


# --- fragment reruns, as a browser asks for them -------------------------------------------


def _fragment_ids(at: AppTest) -> list[str]:
    storage = getattr(at, "_fragment_storage", None)
    if storage is None:  # before Streamlit 1.64 each AppTest run had a fragment store of its own
        pytest.skip("this Streamlit's AppTest can't rerun a fragment alone (test_browser can)")
    return list(storage._fragments)


def _merge(old: Block, new: Block) -> None:
    """Draw ``new`` (a fragment rerun's deltas) over ``old``, as the browser does.

    Blocks the rerun only passed through (no proto of their own) keep their other children.
    """
    for index, child in new.children.items():
        previous = old.children.get(index)
        if isinstance(child, Block) and child.proto is None and isinstance(previous, Block):
            _merge(previous, child)
        else:
            old.children[index] = child


def run_fragment(at: AppTest, fragment_ids: Sequence[str] | None = None) -> AppTest:
    """Send the widget values set on ``at`` with a rerun of the app's fragment only.

    That is what the browser does when the user changes a widget inside an ``@st.fragment``:
    only the fragment reruns and the rest of the page keeps what it showed. If the run ends
    in a full-app rerun (``st.rerun(scope="app")``) the whole page is redrawn.
    """
    ids = list(fragment_ids) if fragment_ids is not None else _fragment_ids(at)
    assert ids, "the app has no fragment"
    started: list[LocalScriptRunner] = []

    class FragmentRunner(LocalScriptRunner):
        def request_rerun(self, rerun_data: RerunData) -> bool:
            if not started:
                started.append(self)
                # The runner starts with a full-app rerun queued; queue the fragment instead.
                self._requests = ScriptRequests()
                rerun_data = dataclasses.replace(rerun_data, fragment_id_queue=list(ids))
            return super().request_rerun(rerun_data)

    old = at._tree
    with mock.patch.object(app_test_module, "LocalScriptRunner", FragmentRunner):
        at.run()
    runner = started[0]
    runs = [
        data.get("fragment_ids_this_run")
        for event, data in zip(runner.events, runner.event_data, strict=True)
        if event == ScriptRunnerEvent.SCRIPT_STARTED
    ]
    if runs and runs[-1]:  # the last run was the fragment's: the rest of the page stays
        _merge(old, at._tree)
        old._runner = at
        at._tree = old
    return at
