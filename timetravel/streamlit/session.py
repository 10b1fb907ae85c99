"""The per-session recorder: one frame per user action, and restores that are safe anywhere.

A frame is the complete effect of one interaction: the widget values the browser sent, the
callbacks they fired, what the script body wrote in the run that followed, every run that
``st.rerun()`` chained onto it, and Streamlit's removal of widgets that were not drawn. It is
recorded when the interaction has settled (Streamlit's end of the last run) and named after
what the user did: its trigger is the widget's key, its label the app's own name for the
action or one made from the widget's label (:mod:`.actions`). Undo, redo and jump are one
frame each, and a jump is a step like any other action.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import threading
import time
import warnings
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import streamlit as st

from .._format import DEFAULT_REDACT
from ..errors import TimetravelWarning
from ..model import Change, Frame, Input, format_path
from ..recorder import KeyFilter, Recorder, _contains_foreign
from ..stores import Store, StoreStream
from ..values import copy_value, values_equal
from . import _internals as internals
from . import resume as resumption
from ._internals import KEY_PREFIX
from .actions import describe_change

__all__ = [
    "RECORD_DIR_ENV",
    "START_FRAME_ENV",
    "START_FROM_ENV",
    "StreamlitRecorder",
    "current",
    "named_action",
    "track",
]

# The session's recorder lives in that session's st.session_state, never recorded itself.
# (Streamlit's own per-session objects take no attributes or are rebuilt every run, so
# st.session_state.clear() clears the history too.)
STATE_KEY = "_timetravel"
RECORD_DIR_ENV = "TIMETRAVEL_RECORD_DIR"
# `timetravel open`: the recording, and the frame of it, the first session starts from.
START_FROM_ENV = "TIMETRAVEL_START_FROM"
START_FRAME_ENV = "TIMETRAVEL_START_FRAME"
# The inputs of a frame that came from the same interaction as the frame before it, and of
# one no user sent anything for (a reconnect, the Rerun menu item).
SAME: tuple[Input, ...] = (Input(None, "same"),)
RERUN: tuple[Input, ...] = (Input(None, "rerun"),)
RESTORES = frozenset({"undo", "redo", "jump"})
EDITOR_PREFIX = f"{KEY_PREFIX}_editor_"

log = logging.getLogger("timetravel")


def editor_user_key(widget_key: str) -> str | None:
    """The user's key of an undoable table from the widget key it is mounted under."""
    if not widget_key.startswith(EDITOR_PREFIX):
        return None
    _, _, key = widget_key.removeprefix(EDITOR_PREFIX).partition("_")
    return key or None


class StreamlitRecorder:
    """A session's recorder, with restores that are safe to call anywhere in a Streamlit app.

    ``undo``, ``redo`` and ``jump`` work as ``on_click`` callbacks (restored at once, before
    widgets exist) and from the script body (scheduled; the script reruns and the restore
    happens at the top of the next run, in :func:`track`).
    """

    def __init__(
        self,
        recorder: Recorder,
        path: str | None,
        rules: _KeyRules,
        stream: StoreStream | None = None,
    ) -> None:
        self.recorder = recorder
        self.path = path
        self.stream = stream  # the store session this one writes, if any
        self.in_url = False  # whether its id is kept in the URL (track(resume=True))
        self._rules = rules
        self._run: object | None = None  # the run track() last saw
        self._pending: tuple[str, int | None] | None = None  # a restore asked from the body
        # The interaction under way: its name, whether the user did it, and the widgets
        # they changed. None between interactions.
        self._action: str | None = None
        self._by_user = False
        self._changed: list[internals.Changed] = []
        # Its names: the one made from the widget the user changed, and the app's own
        # (tt.action), which wins.
        self._label: str | None = None
        self._app_label: str | None = None
        # What the widgets showed as they were drawn (their labels), for naming actions.
        self.widgets = internals.DrawnWidgets()
        # What the ready-made widgets keep for this session between runs (the history
        # panel's search text), by widget.
        self.ui: dict[str, Any] = {}
        self._settles = False  # Streamlit tells us when a run ends (else: record at starts)
        self._shown: tuple[bool, bool] | None = None  # Undo/Redo as the buttons show them
        self._rerun_asked = False
        self._warned: set[str] = set()
        # st.navigation registers its pages during the run, after the main script's track():
        # names learnt then serve the next runs, which know the page's hash from the start.
        self._page_names: dict[str, str] = {}
        # Undoable tables: key -> (mount number, the value the editor was mounted with,
        # the value it last returned). A value in state that is not the last one returned
        # was restored or set by the app: the editor is mounted afresh to show it.
        self.editors: dict[str, tuple[int, Any, Any]] = {}
        # What the user sent for the interaction under way: the next frame to settle gets
        # it (Frame.inputs, for `timetravel replay`), any later one of it SAME.
        self._inputs: tuple[Input, ...] | None = None
        recorder.merge_if = self._not_the_users
        recorder.read_state = internals.session_snapshot
        recorder.inputs_for = self._inputs_for

    def _inputs_for(self, frame: Frame) -> tuple[Input, ...] | None:
        inputs = self._inputs
        if inputs is not None:
            self._inputs = SAME
        return inputs

    def _note_inputs(self, first: bool = False) -> None:
        """Note what the browser sent for the interaction that starts in this run."""
        try:
            if first:
                self._inputs = ()
                return
            sent = [
                Input(key, "click", None)
                if click
                else Input(key, "value", copy_value(value, keep_refs=False))
                for key, click, value in internals.sent_inputs()
            ]
            self._inputs = tuple(sent) if sent else RERUN
        except Exception as exc:  # replay's loss, never the app's
            self._inputs = None
            self._warn_once("inputs", f"timetravel: could not record the inputs ({exc!r})")

    def _not_the_users(self, changes: Sequence[Change]) -> bool:
        """Changes of a run no user action started (a reconnect, a timer) join the step."""
        return self._action is not None and not self._by_user

    # --- reading ------------------------------------------------------------------------------

    @property
    def frames(self) -> Sequence[Frame]:
        """The frames held in memory (at most ``limit``), oldest first."""
        return self.recorder.frames

    @property
    def position(self) -> int | None:
        """Index of the frame whose state the session holds now."""
        return self.recorder.position

    @property
    def can_undo(self) -> bool:
        """Whether there is an action to undo."""
        return self.recorder.can_undo

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone action to redo."""
        return self.recorder.can_redo

    def state_at(self, index: int) -> dict[Any, Any]:
        """A copy of the recorded state at frame ``index``."""
        return self.recorder.state_at(index)

    def recording_bytes(self) -> bytes:
        """The recording as a ``.ttrec`` file (secrets redacted)."""
        if self.stream is not None and not self.stream.pending:
            with contextlib.suppress(Exception):  # the store down: what memory holds
                return self.stream.store.read(self.stream.session)
        if self.path is not None and self.recorder.sink_name is not None:
            with open(self.path, "rb") as f:
                return f.read()
        buf = io.BytesIO()
        self.recorder.save(buf)
        return buf.getvalue()

    # --- restoring ----------------------------------------------------------------------------

    def undo(self) -> bool:
        """Take back the last action. False if there is nothing to undo."""
        return self._request("undo", None)

    def redo(self) -> bool:
        """Do again the action the last undo took back. False if there is none."""
        return self._request("redo", None)

    def jump(self, index: int) -> bool:
        """Restore the state of frame ``index`` (any frame still in memory).

        The jump is an action like any other: Undo right after it returns to where the
        session was.
        """
        return self._request("jump", index)

    def _request(self, op: str, index: int | None) -> bool:
        ctx = internals.run_context()
        if ctx is not None and internals.script_started(ctx):
            # Widgets of this run may exist already: writing their keys now would raise.
            if (op == "undo" and not self.can_undo) or (op == "redo" and not self.can_redo):
                return False
            frames = self.frames
            if op == "jump" and not (
                frames and frames[0].index <= (index or 0) <= frames[-1].index
            ):
                raise IndexError(f"frame {index} is not in memory")  # now, not after the rerun
            self._pending = (op, index)
            st.rerun()
        done = self._restore(op, index, hold=ctx is not None and self._settles)
        if done and ctx is not None and internals.fragment_run(ctx):
            # Only the fragment would rerun: widgets outside it would keep showing (and then
            # send back) the values from before the restore.
            st.rerun(scope="app")
        return done

    def _restore(self, op: str, index: int | None, hold: bool) -> bool:
        rec = self.recorder
        if self._action is None:
            self._note_inputs()  # a restore from a callback starts the interaction
        if rec.open_frame is None:
            sent = [c for c in self._changed_now() if not c.is_trigger]
            if sent and self._stale(sent):
                # Clicked again before the last restore reached the browser: it sent its
                # widgets as they were before that restore, and their callbacks ran. None of
                # it is the user's doing.
                rec.discard()
            elif sent and op != "jump":
                # Values sent with the click (text typed, then Undo) are an action of their
                # own, named after their widget: it is what gets undone. (A jump leaves them
                # to the recorder, which records them without folding away its target.)
                rec.capture(trigger=sent[0].name, label=self._label_of(sent[0]))
        if op == "undo":
            done = rec.undo(hold=hold)
        elif op == "redo":
            done = rec.redo(hold=hold)
        else:
            assert index is not None
            rec.jump(index, hold=hold)
            done = True
        if done:
            # What the app's run writes after the restore belongs to the restore's frame.
            self._action, self._by_user, self._changed = op, True, []
            _touch(rec.frames[-1])
        return done

    def _stale(self, sent: list[internals.Changed]) -> bool:
        """True if every value sent is one the last restore had just replaced."""
        frames = self.recorder.frames
        if not frames or frames[-1].restores is None:
            return False
        replaced: dict[Hashable, Any] = {}
        for c in frames[-1].changes:  # the restore's own rows come first in its frame
            if len(c.path) == 1:
                replaced.setdefault(c.path[0], c.old)
        state = st.session_state
        return all(
            c.keyed
            and c.name in replaced
            and c.name in state
            and values_equal(state[c.name], replaced[c.name])
            for c in sent
        )

    # --- the interaction ----------------------------------------------------------------------

    def _changed_now(self) -> list[internals.Changed]:
        return internals.changed_widgets(editor_user_key, self.widgets)

    def _label_of(self, changed: internals.Changed) -> str | None:
        """The name of an action made from the widget the user changed (None: unknown)."""
        try:
            return describe_change(changed, self.recorder.is_secret)
        except Exception:  # a name is a nicety: the trigger names the frame
            return None

    def _current_label(self) -> str | None:
        """The label of the action under way: the app's name for it, else the widget's.
        None for restores (named by the restore), the first run and runs no user started."""
        action = self._action
        if action is None or action in RESTORES or action == "initial" or not self._by_user:
            return None
        return self._app_label if self._app_label is not None else self._label

    def name_action(self, label: str) -> None:
        """Name the user action under way ``label`` (see :func:`~.actions.action`): the first
        name given in an action wins, over the one made from the widget's label."""
        if not self._settles:
            ctx = internals.run_context()
            if ctx is not None and internals.script_started(ctx):
                return  # recorded at the start of this run already: too late to name it
        if self._app_label is None:
            self._app_label = label
        frame = self.recorder.open_frame
        wanted = self._current_label()
        if frame is not None and frame.restores is None and wanted is not None:
            self.recorder.label_open_frame(wanted)  # a checkpoint captured it already

    def _learn_pages(self, ctx: Any) -> str | None:
        """Note the page names Streamlit knows now; the current page's name, if known."""
        if ctx is None:
            return None
        self._page_names.update(internals.pages(ctx))
        return self._page_names.get(internals.page_hash(ctx))

    def _on_run(self, ctx: Any) -> None:
        """At track(): note the run, and open an interaction if none is under way."""
        page = self._learn_pages(ctx)
        token = internals.run_token(ctx)
        if token is not None and token is self._run:
            return  # track() called again in the same run (a page of a multipage app)
        self._run = token
        self._rules.forget()
        internals.watch_widgets(ctx, self.widgets, _drawn_in)
        if self.stream is not None and self.in_url:
            resumption.sync_url(self.stream)
        if page is not None:
            self.recorder.page = page
        if not internals.fragment_run(ctx):
            self._shown = None  # the buttons, if any, are drawn afresh in this run
        self._settles = ctx is not None and internals.hook_run_ends(ctx, _on_run_end)
        if not self._settles:
            if not internals.fragment_run(ctx):
                self.widgets.run_ended(whole=True)  # no end-of-run hook: the last run ended
            self._record_at_start()
            return
        if self._pending is not None:
            op, index = self._pending
            self._pending = None
            self._restore(op, index, hold=True)
            return
        if self._action is None:
            self._open()

    def _open(self) -> None:
        """Start the interaction of this run: name it after what the user did."""
        if not self.recorder.frames:
            self._action, self._by_user, self._changed = "initial", True, []
            self._note_inputs(first=True)
        elif self._rerun_asked:
            # The run asked for below: nothing the user did, and widgets drawn in the last
            # run would look changed (a rerun sends no widget values).
            self._action, self._by_user, self._changed = "rerun", False, []
            self._inputs = SAME
        else:
            self._note_inputs()
            changed = self._changed_now()
            name = changed[0].name if changed else "rerun"
            self._action, self._by_user, self._changed = name, bool(changed), changed
            self._label = self._label_of(changed[0]) if changed else None

    def run_ended(self, how: internals.RunEnd) -> None:
        """Streamlit ended a run: the interaction settles unless a rerun continues it."""
        if not self._settles:
            return  # (recording at the start of runs: nothing to settle)
        try:
            if how == "done":
                if self._action is None:
                    self._open()  # a fragment's run: the script body, track(), did not run
                self._settle()
        except Exception as exc:  # the recorder never raises into the app it records
            self._warn_once("settle", f"timetravel: could not record an action ({exc!r})")
        finally:
            whole = how == "done" and not internals.fragment_run(internals.run_context())
            self.widgets.run_ended(whole)

    def _settle(self) -> None:
        self._rules.forget()  # Streamlit removed the widgets this run did not draw
        label = self._current_label()
        action, by_user, changed = self._action, self._by_user, self._changed
        self._action, self._by_user, self._changed = None, False, []
        self._label = self._app_label = None
        rec = self.recorder
        page = self._learn_pages(internals.run_context())  # the page the action ended on
        if page is not None:
            rec.page = page
        try:
            frame = rec.capture(trigger=action, label=label, empty=by_user)
            rec.settle()
        finally:
            self._inputs = None
        if frame is not None and frame.changes:
            self._warn_keyless(changed, frame)
        now = (self.can_undo, self.can_redo)
        if self._shown is not None and self._shown != now and not self._rerun_asked:
            # The Undo/Redo buttons were drawn before this action's effects were known (the
            # action came from below them, or from a fragment): show them right.
            self._rerun_asked = internals.request_app_rerun(internals.run_context())
        else:
            self._rerun_asked = False

    def checkpoint(self) -> None:
        """Record what the action under way changed so far (its frame stays open).

        The Undo/Redo buttons and the history panel call this so that they show the action
        the user just did.
        """
        if self._settles and self._action is not None:
            self.recorder.capture(
                trigger=self._action, label=self._current_label(), empty=self._by_user, hold=True
            )

    def shown(self, can_undo: bool, can_redo: bool) -> None:
        """Note what the Undo/Redo buttons show in this run."""
        self._shown = (can_undo, can_redo)

    def _record_at_start(self) -> None:
        """Without an end-of-run hook: one frame at the start of each run."""
        self._warn_once(
            "hook",
            "timetravel: this Streamlit version does not let timetravel see when a run ends; "
            "frames are recorded at the start of each run, so a change the script makes after "
            "track() joins the next action",
        )
        if self._pending is not None:
            op, index = self._pending
            self._pending = None
            self._restore(op, index, hold=False)
            return
        first = not self.recorder.frames
        changed = self._changed_now()
        trigger = "initial" if first else (changed[0].name if changed else "rerun")
        self._action, self._by_user = trigger, bool(changed) or first
        self._label = self._label_of(changed[0]) if changed and not first else None
        self._note_inputs(first)
        try:
            self.recorder.capture(trigger=trigger, label=self._current_label(), empty=self._by_user)
        finally:
            self._action, self._inputs = None, None
            self._label = self._app_label = None

    def _warn_keyless(self, changed: list[internals.Changed], frame: Frame) -> None:
        """Warn once per kind of widget that was changed without a key and wrote state.

        Streamlit keeps no label for such a widget: the warning names its kind and what the
        action changed, which is where the app reads it.
        """
        wrote = ", ".join(dict.fromkeys(format_path(c.path) for c in frame.changes[:3]))
        for c in changed:
            if c.keyed or c.is_trigger:
                continue
            self._warn_once(
                f"keyless:{c.kind}",
                f"timetravel: a {c.kind} without a key changed {wrote}. Undo restores "
                f"session state, but can't set a widget without a key back, so the {c.kind} "
                "keeps its value and the app writes it again: give it a key (key=...) and "
                "read its value from st.session_state, so that Undo and Redo move it too.",
            )

    def _warn_once(self, what: str, message: str) -> None:
        if what not in self._warned:
            self._warned.add(what)
            warnings.warn(message, TimetravelWarning, stacklevel=3)
            log.warning(message)

    def __repr__(self) -> str:
        return f"<StreamlitRecorder {len(self.frames)} frames, position {self.position}>"


def _on_run_end(how: internals.RunEnd) -> None:
    """Told of the end of every script run: settle the action of that run's session."""
    session = _stored()
    if session is not None:
        session.run_ended(how)


def _drawn_in(state: Any) -> internals.DrawnWidgets | None:
    """The DrawnWidgets of the session whose Streamlit session state this is, if it tracks."""
    try:
        found = state[STATE_KEY]
    except KeyError:
        return None
    return found.widgets if isinstance(found, StreamlitRecorder) else None


def named_action(label: str) -> None:
    """Name the user action under way in this session (``tt.action``); nothing without
    :func:`track` in the session."""
    session = _stored()
    if session is not None:
        session.name_action(label)


def _touch(frame: Frame) -> None:
    # Restores may change a widget's list or dict in place; setting the key again makes
    # Streamlit send the restored value to the widget.
    state = st.session_state
    for key in frame.keys:
        if isinstance(key, str) and key in state:
            state[key] = state[key]


class _KeyRules:
    """The recorder's key filter: the app's rules, our own keys, and read-only widgets.

    Whether a key belongs to a read-only widget is asked of Streamlit once per key and run:
    a widget's kind doesn't change within a run, and a new widget's key is a new key.
    """

    def __init__(self, exclude: Iterable[Hashable], include: Iterable[Hashable] | None) -> None:
        self._static = KeyFilter([*exclude, STATE_KEY, f"{KEY_PREFIX}_*"], include)
        self._read_only: dict[Hashable, bool] = {}

    def __call__(self, key: Hashable) -> bool:
        """True if ``key`` is left out."""
        if not self._static(key):
            return True
        try:
            return self._read_only[key]
        except KeyError:
            found = self._read_only[key] = internals.is_read_only_key(key)
            return found

    def forget(self) -> None:
        """A run starts or ends: widgets may have come and gone since."""
        self._read_only.clear()


def _session_id(ctx: Any) -> str:
    raw = str(getattr(ctx, "session_id", "") or "local")
    return re.sub(r"[^A-Za-z0-9_-]", "", raw)[:8] or "local"


def _claim_file(directory: str | os.PathLike[str], stem: str) -> str:
    """A new file in ``directory`` named from ``stem``, created so no other session takes it."""
    os.makedirs(directory, exist_ok=True)
    for n in range(1, 1000):
        path = os.path.join(directory, f"{stem}.ttrec" if n == 1 else f"{stem}-{n}.ttrec")
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free recording name for {stem} in {directory}")


def track(
    exclude: Iterable[Hashable] = (),
    include: Iterable[Hashable] | None = None,
    limit: int | None = 500,
    coalesce_ms: float = 0,
    record_to: str | os.PathLike[str] | None = None,
    *,
    redact: Iterable[str] | Callable[[Hashable], bool] | None = DEFAULT_REDACT,
    max_bytes: int | None = None,
    store: str | os.PathLike[str] | Store | None = None,
    resume: bool = False,
    start_from: str | os.PathLike[str] | None = None,
    frame: int | None = None,
) -> StreamlitRecorder:
    """Record this browser session's ``st.session_state``: call it near the top of the script.

    The first call in a session creates the session's recorder; then every user action
    becomes one frame, recorded once the action has settled (its callbacks, the script run
    it caused and any ``st.rerun()`` after it). Calling ``track()`` again in the same run adds
    nothing. The options are read on the first call. ``record_to`` (or the
    ``TIMETRAVEL_RECORD_DIR`` environment variable) names a folder that gets one ``.ttrec``
    file per session, written as it goes.

    ``store`` (or ``TIMETRAVEL_STORE``) records each session to a store instead: a folder,
    ``sqlite:///path.db`` or ``postgresql://...`` (see docs/stores.md). With ``resume=True``
    the session's id goes into the URL (``?tt_session=...``), and a session that comes back
    with it (a refresh, a reconnect, a restart, another replica) resumes its latest state and
    its whole undo history. With a login (``st.user``), only the user who made a session can
    resume it. Without one, the URL is the key to the session: share it as you would the
    session itself.

    ``start_from`` (or ``TIMETRAVEL_START_FROM``, which ``timetravel open`` sets) names a
    recording whose state at frame ``frame`` (a ``Frame.index``; or
    ``TIMETRAVEL_START_FRAME``; default: the last frame) the first session of the process
    starts from: its keys, widget keys included, are written to ``st.session_state``
    before any widget is drawn, and the session records from there. Values the file could
    not keep (secrets, opaque values, objects) are left as the app sets them. A recording
    that can't be read is a warning, never an error.
    """
    ctx = internals.run_context()
    session = _stored()
    if session is None:
        _start_from(start_from, frame)
        directory = record_to or os.environ.get(RECORD_DIR_ENV) or None
        main_script = getattr(ctx, "main_script_path", "") or ""
        rules = _KeyRules(exclude, include)
        options: dict[str, Any] = {
            "exclude": rules,
            "limit": limit,
            "max_bytes": max_bytes,
            "coalesce_ms": coalesce_ms,
            "redact": redact,
            "meta": {
                "app": os.path.basename(main_script) or None,
                "session": _session_id(ctx),
                "streamlit": st.__version__,
                # The recorder sees one predicate; the header keeps what the app asked for.
                "exclude": [str(k) for k in exclude],
                "include": None if include is None else [str(k) for k in include],
            },
        }
        path = None
        where = None
        if store is not None or resume or os.environ.get(resumption.STORE_ENV):
            # A store, or resume=True with the folder of record_to as the store.
            where = resumption.resolve_store(store if store is not None else directory)
            if where is None:
                resumption.no_store_once()
        if where is not None:
            opened = resumption.open_session(where, st.session_state, resume, options)
            session = StreamlitRecorder(opened.recorder, None, rules, opened.stream)
            session.in_url = resume
            _store(session)
            session._on_run(ctx)
            return session
        try:
            if directory:
                stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{_session_id(ctx)}"
                path = _claim_file(directory, stem)
            recorder = Recorder(st.session_state, sink=path, **options)
        except OSError as exc:
            # Undo must not depend on the disk: record in memory only.
            warnings.warn(
                f"timetravel: can't record to {directory} ({exc}); recording in memory only",
                TimetravelWarning,
                stacklevel=2,
            )
            path = None
            recorder = Recorder(st.session_state, **options)
        session = StreamlitRecorder(recorder, path, rules)
        _store(session)
    session._on_run(ctx)
    return session


_started: set[tuple[str, int | None]] = set()
_started_lock = threading.Lock()


def _start_from(start_from: str | os.PathLike[str] | None, frame: int | None) -> None:
    """Load a recording's state at ``frame`` into this session, if it is the first session
    of the process to ask for it (``track(start_from=...)`` or ``timetravel open``)."""
    path: str | None = None
    if start_from is not None:
        path = os.fspath(start_from)
    elif os.environ.get(START_FROM_ENV):
        path = os.environ[START_FROM_ENV]
        raw = os.environ.get(START_FRAME_ENV, "").strip()
        if raw and frame is None:
            try:
                frame = int(raw)
            except ValueError:
                warnings.warn(
                    f"timetravel: {START_FRAME_ENV}={raw!r} is not a frame number; "
                    "starting from the last frame",
                    TimetravelWarning,
                    stacklevel=3,
                )
    if path is None:
        return
    with _started_lock:
        claim = (os.path.abspath(path), frame)
        if claim in _started:
            return  # not the first session: it starts as the app starts it
        _started.add(claim)
    try:
        loaded = start_state(path, frame)
    except Exception as exc:
        warnings.warn(
            f"timetravel: can't start from {path}: {exc}", TimetravelWarning, stacklevel=3
        )
        return
    state = st.session_state
    for key, value in loaded.items():
        try:
            state[key] = value
        except Exception as exc:  # a key Streamlit won't let a script set
            log.warning("timetravel: can't start %r from the recording (%s)", key, exc)


def start_state(path: str | os.PathLike[str], frame: int | None = None) -> dict[Any, Any]:
    """The recorded state at frame ``frame`` (a ``Frame.index``; negative: counted from the
    end; None: the last) of the recording at ``path``, without the keys whose value the
    file could not keep (secrets, opaque values, objects) and keys that are not strings.

    Raises RecordingError for a file that can't be read and IndexError for a frame that is
    not in it.
    """
    from ..recording import Recording

    rec = Recording.open(path)
    if not len(rec):
        raise IndexError(f"{os.fspath(path)} holds no frames")
    if frame is None:
        pos = len(rec) - 1
    elif frame < 0:
        pos = len(rec) + frame
    else:
        pos = frame - rec.first_index
    if not 0 <= pos < len(rec):
        first, last = rec.first_index, rec.first_index + len(rec) - 1
        raise IndexError(f"frame {frame} is not in {os.fspath(path)} (frames {first}..{last})")
    state = rec.state_at(pos)
    return {
        k: v
        for k, v in state.items()
        if isinstance(k, str)
        and not k.startswith(KEY_PREFIX)
        and k != STATE_KEY
        and not _contains_foreign(v)
    }


def _stored() -> StreamlitRecorder | None:
    found = st.session_state.get(STATE_KEY)
    return found if isinstance(found, StreamlitRecorder) else None


def _store(session: StreamlitRecorder) -> None:
    st.session_state[STATE_KEY] = session


def current() -> StreamlitRecorder:
    """This session's recorder (:func:`track` must have run in this session)."""
    session = _stored()
    if session is None:
        raise RuntimeError("call timetravel.streamlit.track() at the top of the script first")
    return session
