"""The Streamlit layer: per-session recording, Undo/Redo buttons and a history panel.

::

    import streamlit as st
    import timetravel.streamlit as tt

    rec = tt.track()          # at the top of the script: one frame per run
    tt.undo_buttons()         # "Undo" and "Redo", disabled when there is nothing to do
    tt.history_panel()        # in the sidebar: frames, jump to any, download the recording

Each browser session has its own recorder, kept in its own ``st.session_state``. Restores
happen where Streamlit allows them: from a widget callback (``on_click=rec.undo``) at once,
before any widget exists; from the script body they are scheduled and the script reruns.
Keys of read-only widgets (buttons, uploaders, data editors, selections...) are told apart
with Streamlit's widget metadata and are never recorded or written.
"""

from __future__ import annotations

import io
import os
import re
import time
import warnings
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ._format import DEFAULT_REDACT
from .errors import TimetravelWarning
from .model import Change, Frame
from .recorder import KeyFilter, Recorder

__all__ = [
    "RECORD_DIR_ENV",
    "StreamlitRecorder",
    "current",
    "history_panel",
    "track",
    "undo_buttons",
]

KEY_PREFIX = "_timetravel"
# The session's recorder lives in that session's st.session_state, never recorded itself.
# (Streamlit's own per-session objects take no attributes or are rebuilt every run, so
# st.session_state.clear() clears the history too.)
STATE_KEY = "_timetravel"
RECORD_DIR_ENV = "TIMETRAVEL_RECORD_DIR"

# Widgets whose session-state value Streamlit won't let a script set.
_READ_ONLY_VALUE_TYPES = frozenset(
    {
        "trigger_value",  # button, form submit, download button
        "string_trigger_value",  # menu button, column-config buttons
        "json_trigger_value",
        "file_uploader_state_value",  # file uploader, camera and audio input
        "chat_input_value",
    }
)
_READ_ONLY_SERDES = frozenset(
    {
        "ButtonSerde",
        "ButtonClickSerde",
        "DataEditorSerde",
        "FileUploaderSerde",
        "CameraInputSerde",
        "AudioInputSerde",
        "ChatInputSerde",
        "MenuButtonSerde",
        "VegaLiteStateSerde",
    }
)


def _internals() -> Any:
    """Streamlit's SessionState behind ``st.session_state`` in this run, or None."""
    ctx = get_script_run_ctx()
    return None if ctx is None else getattr(ctx.session_state, "_state", None)


def _metadata(internals: Any, widget_id: str) -> Any:
    try:
        return internals._new_widget_state.widget_metadata.get(widget_id)
    except AttributeError:
        return None


def _widget_id(internals: Any, key: Hashable) -> str | None:
    if internals is None or not isinstance(key, str):
        return None
    try:
        wid = internals._key_id_mapper.get_id_from_key(key)
    except Exception:
        return None
    return wid if isinstance(wid, str) else None


def _serde_name(meta: Any) -> str:
    return type(getattr(meta.deserializer, "__self__", None)).__name__


def _is_read_only(meta: Any) -> bool:
    if meta.value_type in _READ_ONLY_VALUE_TYPES:
        return True
    name = _serde_name(meta)
    return name in _READ_ONLY_SERDES or name.endswith("SelectionSerde")


def is_read_only_key(key: Hashable, widget_keys: set[str] | None = None) -> bool:
    """True if ``key`` belongs to a widget whose value a script may not set.

    Keys found bound to a widget are added to ``widget_keys``, if given.
    """
    internals = _internals()
    wid = _widget_id(internals, key)
    if wid is None:
        return False
    if widget_keys is not None and isinstance(key, str):
        widget_keys.add(key)
    meta = _metadata(internals, wid)
    return meta is not None and _is_read_only(meta)


def _run_token(ctx: Any) -> object | None:
    # ScriptRunContext.reset() gives every run (and fragment rerun) a fresh cursors dict;
    # holding on to it keeps its identity from being reused.
    return getattr(ctx, "cursors", None) if ctx is not None else None


def _pages(ctx: Any) -> dict[str, str]:
    """Page names by script hash, as far as Streamlit knows them at this point of the run."""
    try:
        pages = ctx.pages_manager.get_pages()
        return {h: str(p.get("page_name")) for h, p in pages.items() if p.get("page_name")}
    except Exception:
        return {}


def _changed_widgets(internals: Any) -> list[tuple[bool, str]]:
    """The widgets the user just used, as (not a button or form, name), buttons first."""
    if internals is None:
        return []
    try:
        ids = list(internals._new_widget_state.states)
    except AttributeError:
        return []
    changed: list[tuple[bool, str]] = []
    for wid in ids:
        try:
            if not internals._widget_changed(wid):
                continue
        except Exception:  # values whose != is not a bool
            continue
        meta = _metadata(internals, wid)
        is_trigger = meta is not None and meta.value_type in _READ_ONLY_VALUE_TYPES
        try:
            name = internals._key_id_mapper.get_key_from_id(wid)
        except Exception:
            name = None
        if not isinstance(name, str) or not name:
            name = _serde_name(meta).removesuffix("Serde").lower() if meta is not None else "widget"
        if name.startswith("FormSubmitter:"):
            name = "form:" + name.removeprefix("FormSubmitter:").rsplit("-", 1)[0]
        if name.startswith(KEY_PREFIX):
            continue  # our own Undo/Redo/jump buttons
        changed.append((not is_trigger, name))
    # Buttons and forms first: their callbacks and submitted values are what changed.
    return sorted(changed)


class StreamlitRecorder:
    """A session's recorder, with restores that are safe to call anywhere in a Streamlit app.

    ``undo``, ``redo`` and ``jump`` work as ``on_click`` callbacks (restored at once, before
    widgets exist) and from the script body (scheduled; the script reruns and the restore
    happens at the top of the next run, in :func:`track`).
    """

    def __init__(self, recorder: Recorder, path: str | None, widget_keys: set[str]) -> None:
        self.recorder = recorder
        self.path = path
        self._run: object | None = None
        self._pending: tuple[str, int | None] | None = None
        # Keys ever bound to a widget in this session, noted by the recorder's key filter.
        self._widget_keys = widget_keys
        # st.navigation registers its pages during the run, after the main script's track():
        # names learnt then serve the next runs, which know the page's hash from the start.
        self._page_names: dict[str, str] = {}
        self._changed_run: object | None = None  # the run whose changed widgets are cached
        self._changed: list[tuple[bool, str]] = []
        recorder.merge_if = self._render_noise

    def _render_noise(self, changes: Sequence[Change]) -> bool:
        """True if the changes are not the user's doing: they join the current undo step.

        Starting a step of their own would cut off redo, and undo would land on them again.
        With no widget of the user's changed in this run, that is the case
        - right after a restore: the app setting up keys the restore removed, Streamlit
          resetting a restored value that its widget no longer offers;
        - when only widget keys appear or go away: a widget's key enters session state the
          run after it is first drawn and leaves it the run after it is last drawn.
        """
        internals = _internals()
        if internals is None or not changes or self._changed_of_this_run(internals):
            return False
        frames = self.recorder.frames
        if frames and frames[-1].is_restore:
            return True
        for change in changes:
            key = change.path[0]
            if (
                len(change.path) != 1
                or not change.action.startswith("dictionary_item")
                or not isinstance(key, str)
                or not (key in self._widget_keys or _widget_id(internals, key) is not None)
            ):
                return False
        return True

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
        return self.recorder.can_undo

    @property
    def can_redo(self) -> bool:
        return self.recorder.can_redo

    def state_at(self, index: int) -> dict[Any, Any]:
        """A copy of the recorded state at frame ``index``."""
        return self.recorder.state_at(index)

    def recording_bytes(self) -> bytes:
        """The recording as a ``.ttrec`` file (secrets redacted)."""
        if self.path is not None and self.recorder.sink_name is not None:
            with open(self.path, "rb") as f:
                return f.read()
        buf = io.BytesIO()
        self.recorder.save(buf)
        return buf.getvalue()

    # --- restoring ----------------------------------------------------------------------------

    def undo(self) -> bool:
        """Go back one step. False if there is nothing to undo."""
        return self._request("undo", None)

    def redo(self) -> bool:
        """Go forward one undone step. False if there is nothing to redo."""
        return self._request("redo", None)

    def jump(self, index: int) -> bool:
        """Restore the state of frame ``index`` (any frame still in memory)."""
        return self._request("jump", index)

    def _request(self, op: str, index: int | None) -> bool:
        ctx = get_script_run_ctx()
        if ctx is not None and ctx.has_script_started:
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
        done = self._restore(op, index)
        self._run = _run_token(ctx)  # the restore frame is this run's frame
        if done and ctx is not None and ctx.fragment_ids_this_run:
            # Only the fragment would rerun: widgets outside it would keep showing (and then
            # send back) the values from before the restore.
            st.rerun(scope="app")
        return done

    def _restore(self, op: str, index: int | None) -> bool:
        rec = self.recorder
        if op != "jump":
            # Changes sent with the click (text typed, then Undo) are recorded first, named
            # after their widget; they are what gets undone. (A jump leaves this to the
            # recorder, which records them without folding away the frame it jumps to.)
            changed = self._changed_of_this_run(_internals())
            if changed:
                rec.capture(trigger=changed[0][1])
        if op == "undo":
            done = rec.undo()
        elif op == "redo":
            done = rec.redo()
        else:
            assert index is not None
            rec.jump(index)
            done = True
        if done:
            _touch(rec.frames[-1])
        return done

    # --- the run ------------------------------------------------------------------------------

    def _changed_of_this_run(self, internals: Any) -> list[tuple[bool, str]]:
        token = _run_token(get_script_run_ctx())
        if token is None or self._changed_run is not token:
            self._changed_run, self._changed = token, _changed_widgets(internals)
        return self._changed

    def _learn_pages(self, ctx: Any) -> str | None:
        """Note the page names Streamlit knows now; the current page's name, if known."""
        if ctx is None:
            return None
        self._page_names.update(_pages(ctx))
        return self._page_names.get(getattr(ctx, "page_script_hash", ""))

    def _on_run(self, ctx: Any) -> None:
        page = self._learn_pages(ctx)
        token = _run_token(ctx)
        if token is not None and token is self._run:
            return  # track() called again in the same run (a page of a multipage app)
        self._run = token
        if page is not None:
            self.recorder.page = page
        if self._pending is not None:
            op, index = self._pending
            self._pending = None
            self._restore(op, index)
            return
        first = not self.recorder.frames
        changed = self._changed_of_this_run(_internals())
        trigger = "initial" if first else (changed[0][1] if changed else "rerun")
        self.recorder.capture(trigger=trigger, empty=True)

    def __repr__(self) -> str:
        return f"<StreamlitRecorder {len(self.frames)} frames, position {self.position}>"


def _touch(frame: Frame) -> None:
    # Restores may change a widget's list or dict in place; setting the key again makes
    # Streamlit send the restored value to the widget.
    state = st.session_state
    for key in frame.keys:
        if isinstance(key, str) and key in state:
            state[key] = state[key]


def _exclusions(
    exclude: Iterable[Hashable], include: Iterable[Hashable] | None, widget_keys: set[str]
) -> Callable[[Hashable], bool]:
    """The recorder's key filter; as it looks keys up, it notes those bound to widgets."""
    static = KeyFilter([*exclude, STATE_KEY, f"{KEY_PREFIX}_*"], include)

    def excluded(key: Hashable) -> bool:
        return not static(key) or is_read_only_key(key, widget_keys)

    return excluded


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
) -> StreamlitRecorder:
    """Record this browser session's ``st.session_state``: call it at the top of the script.

    The first call in a session creates the session's recorder; every script run then records
    exactly one frame (calling ``track()`` again in the same run adds nothing). The options are
    read on the first call. ``record_to`` (or the ``TIMETRAVEL_RECORD_DIR`` environment
    variable) names a folder that gets one ``.ttrec`` file per session, written as it goes.
    """
    ctx = get_script_run_ctx()
    session = _stored()
    if session is None:
        directory = record_to or os.environ.get(RECORD_DIR_ENV) or None
        widget_keys: set[str] = set()
        main_script = getattr(ctx, "main_script_path", "") or ""
        options: dict[str, Any] = {
            "exclude": _exclusions(exclude, include, widget_keys),
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
        session = StreamlitRecorder(recorder, path, widget_keys)
        _store(session)
    session._on_run(ctx)
    return session


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


def _current(rec: StreamlitRecorder | None) -> StreamlitRecorder:
    return rec if rec is not None else current()


def undo_buttons(
    rec: StreamlitRecorder | None = None,
    *,
    undo_label: str = "Undo",
    redo_label: str = "Redo",
    key: str = "buttons",
) -> None:
    """An "Undo" and a "Redo" button side by side, each disabled when there's nothing to do.

    Use ``key`` to tell two sets apart when a page shows more than one.
    """
    rec = _current(rec)
    rec._learn_pages(get_script_run_ctx())
    left, right = st.columns(2)
    left.button(
        undo_label,
        key=f"{KEY_PREFIX}_{key}_undo",
        icon=":material/undo:",
        disabled=not rec.can_undo,
        on_click=_callback(rec.undo),
        width="stretch",
    )
    right.button(
        redo_label,
        key=f"{KEY_PREFIX}_{key}_redo",
        icon=":material/redo:",
        disabled=not rec.can_redo,
        on_click=_callback(rec.redo),
        width="stretch",
    )


def _callback(action: Callable[..., bool]) -> Callable[..., None]:
    """A widget callback: Streamlit wants callbacks that return nothing."""

    def callback(*args: Any) -> None:
        action(*args)

    return callback


def _describe(frame: Frame) -> str:
    if not frame.changes:
        return "no change"
    shown = "; ".join(str(c) for c in frame.changes[:3])
    more = f" (+{len(frame.changes) - 3} more)" if len(frame.changes) > 3 else ""
    text = shown + more
    return text if len(text) <= 300 else text[:299] + "…"


def history_panel(
    rec: StreamlitRecorder | None = None,
    *,
    sidebar: bool = True,
    show: int = 25,
) -> None:
    """The session's frames, newest first: trigger and changes, a button to jump to each,
    and a button to download the recording. In the sidebar unless ``sidebar=False``.
    """
    rec = _current(rec)
    rec._learn_pages(get_script_run_ctx())
    where = st.sidebar if sidebar else st.container()
    with where:
        st.subheader("History")
        frames = rec.frames
        st.caption(f"{len(frames)} frames · at frame {rec.position}")
        for frame in reversed(frames[-show:]):
            here = frame.index == rec.position
            trigger = frame.trigger or "rerun"
            label = (
                f"{'▶ ' if here else ''}#{frame.index} · {trigger} · {len(frame.changes)} changes"
            )
            st.button(
                label,
                key=f"{KEY_PREFIX}_jump_{frame.index}",
                help=_describe(frame),
                on_click=_callback(rec.jump),
                args=(frame.index,),
                disabled=here,
                width="stretch",
                type="tertiary",
            )
        if len(frames) > show:
            st.caption(f"… {len(frames) - show} older frames")
        st.download_button(
            "Download recording",
            data=rec.recording_bytes,
            file_name=os.path.basename(rec.path) if rec.path else "session.ttrec",
            mime="application/octet-stream",
            key=f"{KEY_PREFIX}_download",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
        )
