"""Replay a recording against the app: ``timetravel replay RECORDING APP.py``.

The app runs under Streamlit's ``AppTest``. Each recorded interaction is sent to it again, as
the recording's frames hold it (their ``inputs``: the widget values set, the buttons and form
submits clicked, Undo, Redo and jumps as clicks on their buttons), and after each the app's
recorded state is compared with the recording's state at that frame. The first difference is
reported as key paths: a recording of a bug becomes a failing test, and one of good behaviour
a regression test.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import _codec
from .._engine import Syncer
from .._format import Redactor
from ..display import display_repr, safe_text
from ..model import Change, Frame, Input, format_path
from ..recorder import _contains_opaque
from ..recording import Recording
from ..values import Redacted, copy_value

__all__ = ["Divergence", "ReplayError", "ReplayResult", "replay"]

# The environment variables that would make the replayed app write or load recordings.
_QUIET_ENV = (
    "TIMETRAVEL_RECORD_DIR",
    "TIMETRAVEL_STORE",
    "TIMETRAVEL_START_FROM",
    "TIMETRAVEL_START_FRAME",
)


class ReplayError(Exception):
    """The recording can't be replayed (not the app's fault): recorded without inputs, a
    widget without a key, a secret value that was redacted, an app without ``track()``."""


@dataclass(frozen=True)
class Divergence:
    """Where the app stopped behaving as recorded.

    ``frame`` is the recorded frame whose state the app did not reach, ``inputs`` what was
    sent to the app for it, ``changes`` the differences, each one turning the recorded
    value (``old``) into the app's (``new``), and ``problem`` a sentence for a divergence
    that is not a difference of state (a widget missing, an exception in the app).
    """

    frame: Frame
    inputs: tuple[Input, ...]
    changes: tuple[Change, ...] = ()
    problem: str | None = None

    def describe(self, limit: int = 20) -> str:
        """The divergence for people: the frame, what was sent, then one line per path."""
        f = self.frame
        head = f"frame {f.index} (trigger {safe_text(str(f.trigger))}"
        if f.restores is not None:
            head += f", restores frame {f.restores}"
        lines = [f"{head}; sent: {describe_inputs(self.inputs)})"]
        if self.problem is not None:
            lines.append(f"  {safe_text(self.problem, 1000)}")
        if self.changes:
            lines.append("  the app's state differs from the recording (recorded -> app):")
            for c in self.changes[:limit]:
                lines.append(f"    {_describe_change(c)}")
            if len(self.changes) > limit:
                lines.append(f"    ... and {len(self.changes) - limit} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class ReplayResult:
    """What :func:`replay` found: ``ok`` when the app reached every recorded state."""

    frames: int  # recorded frames compared
    divergence: Divergence | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True if the app still behaves as recorded."""
        return self.divergence is None

    def describe(self) -> str:
        """One line when the app behaves as recorded, else the divergence."""
        if self.divergence is None:
            return f"replayed {self.frames} frames: the app behaves as recorded"
        return f"the app diverges from the recording at {self.divergence.describe()}"


def describe_inputs(inputs: Sequence[Input]) -> str:
    """``set name='Ann', click save`` for people."""
    parts: list[str] = []
    for i in inputs:
        key = safe_text(str(i.key), 100)
        if i.kind == "value":
            parts.append(f"set {key}={display_repr(i.value)}")
        elif i.kind == "click":
            parts.append(f"click {key}")
        elif i.kind == "rerun":
            parts.append("rerun")
        elif i.kind == "same":
            parts.append("(the interaction before)")
    return ", ".join(parts) or "nothing (the first run)"


def _describe_change(c: Change) -> str:
    where = safe_text(format_path(c.path), 300)
    if c.kind == "added":
        return f"+ {where} = {display_repr(c.new)} (only in the app)"
    if c.kind == "removed":
        return f"- {where} (recorded {display_repr(c.old)}, missing in the app)"
    return f"~ {where}: {display_repr(c.old)} -> {display_repr(c.new)}"


def _redactor(recording: Recording) -> Redactor:
    rule = recording.options.get("redact")
    if isinstance(rule, list) and all(isinstance(r, str) for r in rule):
        return Redactor(rule)
    return Redactor(None)  # "custom" or none: redacted keys are skipped below


def _as_filed(state: dict[Any, Any], redactor: Redactor) -> dict[Any, Any]:
    """The app's state as a file would give it back (redacted, objects as records), so that
    it compares with the recorded state value for value."""
    out: dict[Any, Any] = {}
    for key, value in state.items():
        try:
            out[key] = _codec.decode(redactor.encode({key: value}))[key]
        except Exception:
            out[key] = _codec.opaque(value)
    return out


def state_diff(recorded: dict[Any, Any], app: dict[Any, Any]) -> tuple[Change, ...]:
    """The changes that turn the recorded state into the app's, leaving out the keys whose
    value the file could not keep (redacted or opaque on either side)."""
    keys: list[Hashable] = list(recorded) + [k for k in app if k not in recorded]
    keys = [
        k
        for k in keys
        if not isinstance(recorded.get(k), Redacted)
        and not isinstance(app.get(k), Redacted)
        and not _contains_opaque(recorded.get(k))
        and not _contains_opaque(app.get(k))
    ]
    mine = {k: copy_value(recorded[k], keep_refs=False) for k in keys if k in recorded}
    theirs = {k: app[k] for k in keys if k in app}
    return tuple(Syncer(lambda v: copy_value(v, keep_refs=False)).sync_mapping(mine, theirs, keys))


@contextlib.contextmanager
def _quiet_env() -> Iterator[None]:
    saved = {k: os.environ.pop(k) for k in _QUIET_ENV if k in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _widgets(at: Any) -> Iterator[Any]:
    from streamlit.testing.v1.element_tree import Widget

    for root in (at.main, at.sidebar):
        for node in root:
            if isinstance(node, Widget):
                yield node


def _find(at: Any, key: str) -> Any:
    for widget in _widgets(at):
        if widget.key == key:
            return widget
    return None


def _send(at: Any, frame: Frame, inputs: tuple[Input, ...]) -> str | None:
    """Send the inputs to the app (not run yet). A problem that is the app's, or None."""
    for i in inputs:
        if i.kind in ("rerun", "same"):
            continue
        if i.key is None:
            raise ReplayError(
                f"frame {frame.index}: the user changed a widget without a key "
                f"(trigger {safe_text(str(frame.trigger))}); replay can't find it: give the "
                "widget a key"
            )
        if isinstance(i.value, Redacted):
            raise ReplayError(
                f"frame {frame.index}: the value of {safe_text(i.key, 200)} is a secret the "
                "recording redacted; replay can't set it (record with redact= leaving it "
                "out, or exclude the widget)"
            )
        widget = _find(at, i.key)
        if widget is None:
            return f"the app shows no widget with key {safe_text(i.key, 200)!r} to " + (
                "click" if i.kind == "click" else f"set to {display_repr(i.value)}"
            )
        try:
            if i.kind != "click":
                widget.set_value(i.value)
            elif callable(getattr(widget, "click", None)) and widget.type != "menu_button":
                widget.click()
            else:
                widget.set_value(True)
        except Exception as exc:  # a disabled widget, a value it does not offer...
            what = "be clicked" if i.kind == "click" else f"take {display_repr(i.value)}"
            return (
                f"the widget {safe_text(i.key, 200)!r} can't {what}: "
                f"{safe_text(f'{type(exc).__name__}: {exc}', 500)}"
            )
    return None


def _groups(frames: Sequence[Frame]) -> Iterator[tuple[Frame, Frame]]:
    """Each interaction after the first run: the frame that holds its inputs, and the last
    frame it made (later frames of the same interaction have inputs ``same``)."""
    pos = 1
    while pos < len(frames):
        first = last = frames[pos]
        pos += 1
        while pos < len(frames) and _is_same(frames[pos]):
            last = frames[pos]
            pos += 1
        yield first, last


def _is_same(frame: Frame) -> bool:
    return frame.inputs is not None and all(i.kind == "same" for i in frame.inputs)


def _app_state(at: Any) -> dict[Any, Any]:
    try:
        session = at.session_state["_timetravel"]
        frames = session.frames
    except Exception:
        session, frames = None, None
    if session is None or not frames:
        raise ReplayError("the app does not call timetravel.streamlit.track(): nothing to compare")
    state: dict[Any, Any] = session.state_at(frames[-1].index)
    return state


def _exception(at: Any) -> str | None:
    if not at.exception:
        return None
    return "the app raised: " + "; ".join(str(e.value)[:500] for e in at.exception)


def replay(
    recording: str | os.PathLike[str] | Recording,
    app: str | os.PathLike[str],
    *,
    timeout: float = 30,
    progress: Callable[[Frame], object] | None = None,
) -> ReplayResult:
    """Run ``app`` under ``AppTest`` with the interactions of ``recording``, in order, and
    compare its state with the recorded one after each.

    Returns a :class:`ReplayResult`: ``ok``, or the first :class:`Divergence`. Raises
    :class:`ReplayError` when the recording can't be replayed (written without inputs, by
    an older timetravel; a widget without a key; a redacted value) and RecordingError for
    a file that can't be read. ``TIMETRAVEL_RECORD_DIR``, ``TIMETRAVEL_STORE`` and the
    ``timetravel open`` variables are unset while the app runs.
    """
    from streamlit.testing.v1 import AppTest

    rec = recording if isinstance(recording, Recording) else Recording.open(recording)
    frames = list(rec)
    if not frames:
        raise ReplayError(f"{safe_text(str(rec.path))}: the recording holds no frames")
    missing = [f.index for f in frames[1:] if f.inputs is None]
    if missing:
        raise ReplayError(
            f"{safe_text(str(rec.path))}: frame {missing[0]} was recorded without its inputs "
            f"({len(missing)} of {len(frames) - 1} frames; recorded by an older timetravel, "
            "or without timetravel.streamlit): it can't be replayed"
        )
    if rec.first_index != 0:
        raise ReplayError(
            f"{safe_text(str(rec.path))}: the recording starts at frame {rec.first_index}, "
            "not at the session's first run: it can't be replayed"
        )
    redactor = _redactor(rec)
    states = rec.states()
    notes: list[str] = []
    with _quiet_env():
        at = AppTest.from_file(os.path.abspath(os.fspath(app)), default_timeout=timeout)
        at.run()
        recorded_frame, recorded = next(states)
        problem = _exception(at)
        if problem is not None:
            return ReplayResult(1, Divergence(recorded_frame, (), problem=problem))
        changes = state_diff(recorded, _as_filed(_app_state(at), redactor))
        if changes:
            return ReplayResult(1, Divergence(recorded_frame, (), changes))
        if progress is not None:
            progress(recorded_frame)
        compared = 1
        for first, last in _groups(frames):
            inputs = first.inputs or ()
            problem = _send(at, first, inputs)
            if problem is None:
                at.run()
                problem = _exception(at)
            # Walk the recorded states on to the interaction's last frame.
            while recorded_frame.index < last.index:
                recorded_frame, recorded = next(states)
            if problem is not None:
                return ReplayResult(compared, Divergence(last, inputs, problem=problem))
            changes = state_diff(recorded, _as_filed(_app_state(at), redactor))
            compared += 1
            if changes:
                return ReplayResult(compared, Divergence(last, inputs, changes))
            if progress is not None:
                progress(last)
    return ReplayResult(compared, None, tuple(notes))
