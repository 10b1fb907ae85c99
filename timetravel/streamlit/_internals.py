"""Every use of Streamlit's private internals, in one place.

Streamlit has no public hook for "the user's action has settled" nor for widget metadata (a
widget's label is not even kept on the server), so the layer reads them here. Each private
attribute is optional: when one is missing (a Streamlit upgrade renamed it), the function
falls back to a safe answer and the layer records at the start of each run instead, with
one warning, or names frames after widget keys, rather than breaking the app.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import Any, NamedTuple

from streamlit.runtime.scriptrunner import get_script_run_ctx

__all__ = [
    "Drawn",
    "DrawnWidgets",
    "RunEnd",
    "changed_widgets",
    "fragment_run",
    "hook_run_ends",
    "is_read_only_key",
    "page_hash",
    "pages",
    "request_app_rerun",
    "run_context",
    "run_token",
    "script_started",
    "sent_inputs",
    "session_snapshot",
    "watch_widgets",
]

KEY_PREFIX = "_timetravel"

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

# How a script run ended, as the end-of-run hook reports it: "done" (the run settled) or
# "rerun" (st.rerun() or a new request from the browser cut it short).
RunEnd = str


def run_context() -> Any:
    """This thread's ScriptRunContext, or None outside a script run."""
    return get_script_run_ctx()


def _state(ctx: Any = None) -> Any:
    """Streamlit's SessionState behind ``st.session_state`` in this run, or None."""
    ctx = ctx if ctx is not None else get_script_run_ctx()
    return None if ctx is None else getattr(ctx.session_state, "_state", None)


def session_snapshot() -> Any:
    """This session's state as a plain dict of its live values, read in one pass.

    Reading ``st.session_state`` key by key takes a lock and resolves widget ids for each
    key, and listing its keys builds this dict twice; this is what its iteration reads.
    """
    ctx = get_script_run_ctx()
    safe = getattr(ctx, "session_state", None)
    try:
        return safe.filtered_state  # type: ignore[union-attr]
    except AttributeError:
        import streamlit as st

        return dict(st.session_state.items())


def script_started(ctx: Any) -> bool:
    """True once the script body runs (widgets may exist), False in callbacks."""
    started = getattr(ctx, "has_script_started", None)
    if started is None:
        started = getattr(ctx, "_has_script_started", True)
    return bool(started)


def run_token(ctx: Any) -> object | None:
    """An object that identifies this script run (or fragment rerun) while it lasts."""
    # ScriptRunContext.reset() gives every run a fresh cursors dict; holding on to it keeps
    # its identity from being reused.
    return getattr(ctx, "cursors", None) if ctx is not None else None


def fragment_run(ctx: Any) -> bool:
    """True if this run reruns fragments only, not the whole app."""
    return bool(getattr(ctx, "fragment_ids_this_run", None))


def page_hash(ctx: Any) -> str:
    return str(getattr(ctx, "page_script_hash", "") or "")


def pages(ctx: Any) -> dict[str, str]:
    """Page names by script hash, as far as Streamlit knows them at this point of the run."""
    try:
        found = ctx.pages_manager.get_pages()
        return {h: str(p.get("page_name")) for h, p in found.items() if p.get("page_name")}
    except Exception:
        return {}


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


def is_read_only_key(key: Hashable) -> bool:
    """True if ``key`` belongs to a widget whose value a script may not set."""
    internals = _state()
    wid = _widget_id(internals, key)
    if wid is None:
        return False
    meta = _metadata(internals, wid)
    return meta is not None and _is_read_only(meta)


class Changed:
    """A widget the user changed in this interaction."""

    __slots__ = ("drawn", "is_trigger", "keyed", "kind", "name", "value")

    def __init__(
        self,
        name: str,
        is_trigger: bool,
        keyed: bool,
        kind: str,
        drawn: Drawn | None = None,
        value: Any = None,
    ) -> None:
        self.name = name  # its key, "form:<key>" for a form's submit button, else its kind
        self.is_trigger = is_trigger  # a button: clicking it is the action
        self.keyed = keyed
        self.kind = kind  # "slider", "text_input"... from Streamlit's serde class
        self.drawn = drawn  # what it showed when it was drawn, if known
        self.value = value  # the value the browser sent (None for a click)

    def __repr__(self) -> str:
        return f"<Changed {self.name}>"


def _kind(meta: Any) -> str:
    name = _serde_name(meta).removesuffix("Serde") if meta is not None else ""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    return snake or "widget"


def _sent(internals: Any) -> Iterator[tuple[str, Any, bool, str | None, Any]]:
    """Each widget the user changed for this run: ``(widget id, its metadata, is a click,
    its key or None, the value the browser sent or None for a click)``."""
    try:
        widgets = internals._new_widget_state
        ids = list(widgets.states)
    except AttributeError:
        return
    for wid in ids:
        try:
            if not internals._widget_changed(wid):
                continue
        except Exception:  # values whose != is not a bool
            continue
        meta = _metadata(internals, wid)
        click = meta is not None and meta.value_type in _READ_ONLY_VALUE_TYPES
        try:
            key = internals._key_id_mapper.get_key_from_id(wid)
        except Exception:
            key = None
        value = None
        if not click:
            try:
                value = widgets[wid]
            except Exception:
                value = None
        yield wid, meta, click, (key if isinstance(key, str) and key else None), value


def changed_widgets(
    editor_key: Callable[[str], str | None], drawn: DrawnWidgets | None = None
) -> list[Changed]:
    """The widgets the user changed for this run, buttons and forms first.

    ``editor_key`` maps a widget key the layer made for a user's widget (an undoable table)
    back to the user's key, or returns None. ``drawn``, if given, says what each widget
    showed when it was last drawn (its label).
    """
    internals = _state()
    if internals is None:
        return []
    changed: list[Changed] = []
    for wid, meta, is_trigger, key, value in _sent(internals):
        name = key if key is not None else _kind(meta)
        if name.startswith("FormSubmitter:"):
            name = "form:" + name.removeprefix("FormSubmitter:").rsplit("-", 1)[0]
        if name.startswith(KEY_PREFIX):
            user_key = editor_key(name)
            if user_key is None:
                continue  # our own Undo/Redo/jump buttons: the restore names the frame
            name = user_key
        shown = drawn.get(wid) if drawn is not None else None
        changed.append(Changed(name, is_trigger, key is not None, _kind(meta), shown, value))
    # Buttons and forms first: their callbacks and submitted values are what changed.
    changed.sort(key=lambda c: not c.is_trigger)
    return changed


def sent_inputs() -> list[tuple[str | None, bool, Any]]:
    """What the browser sent for this run: ``(widget key, is a click, value)`` for each
    widget the user changed, timetravel's own buttons included, values first.

    The key is the widget's own key as the app gave it (``FormSubmitter:<form>-<label>``
    for a form's submit button), None for a widget without one. The value is the one the
    browser sent, before callbacks could change the key; None for a click.
    """
    internals = _state()
    if internals is None:
        return []
    sent = [(key, click, value) for _, _, click, key, value in _sent(internals)]
    sent.sort(key=lambda s: s[1])  # values, then clicks
    return sent


def _runner(ctx: Any) -> Any:
    """The ScriptRunner running this thread's script, or None."""
    from streamlit.runtime.scriptrunner import ScriptRunner

    owner = getattr(getattr(ctx, "yield_check", None), "__self__", None)
    if isinstance(owner, ScriptRunner):
        return owner
    target = getattr(threading.current_thread(), "_target", None)
    owner = getattr(target, "__self__", None)
    return owner if isinstance(owner, ScriptRunner) else None


def _run_events() -> tuple[set[Any], Any]:
    from streamlit.runtime.scriptrunner import ScriptRunnerEvent

    ends = {
        getattr(ScriptRunnerEvent, name)
        for name in (
            "SCRIPT_STOPPED_WITH_SUCCESS",
            "SCRIPT_STOPPED_WITH_COMPILE_ERROR",
            "FRAGMENT_STOPPED_WITH_SUCCESS",
        )
        if hasattr(ScriptRunnerEvent, name)
    }
    return ends, getattr(ScriptRunnerEvent, "SCRIPT_STOPPED_FOR_RERUN", None)


def _on_runner_event(sender: Any, event: Any = None, **kwargs: Any) -> None:
    """Every hooked ScriptRunner's events: tell the listener how a run ended."""
    ends, rerun = _run_events()
    how = "done" if event in ends else "rerun" if event == rerun else None
    listener = _listener[0]
    if how is None or listener is None:
        return
    try:
        listener(how)
    except Exception:  # a failure here must never stop Streamlit's script runner
        logging.getLogger("timetravel").exception("timetravel: end-of-run hook failed")


# The one function told of every run's end; the session module sets it. (A fragment's run
# does not run the script body, so only a hook on every ScriptRunner sees it end.)
_listener: list[Callable[[RunEnd], None] | None] = [None]


def _connect(runner: Any) -> bool:
    signal = getattr(runner, "on_event", None)
    if signal is None or not hasattr(signal, "connect"):
        return False
    if getattr(runner, "_timetravel_hooked", False):
        return True
    try:
        signal.connect(_on_runner_event, weak=False)
        runner._timetravel_hooked = True
    except Exception:
        return False
    return True


def hook_run_ends(ctx: Any, listener: Callable[[RunEnd], None]) -> bool:
    """Have ``listener`` told when each script run ends, from now on. False if unavailable.

    The ScriptRunner signals the end of a run after Streamlit removed the state of widgets
    that were not drawn, so the session state is then as the user's action left it. The
    current runner is hooked here, and every runner created later (Streamlit makes one per
    interaction) as it is made. Calling this again changes nothing.
    """
    from streamlit.runtime.scriptrunner import ScriptRunner

    _listener[0] = listener
    init = ScriptRunner.__init__
    if not getattr(init, "_timetravel", False):

        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            init(self, *args, **kwargs)
            _connect(self)

        __init__._timetravel = True  # type: ignore[attr-defined]
        ScriptRunner.__init__ = __init__  # type: ignore[method-assign]
    return _connect(_runner(ctx))


def request_app_rerun(ctx: Any) -> bool:
    """Ask for one more run of the whole app, from the end of a run. False if not possible."""
    requests = getattr(ctx, "script_requests", None)
    if requests is None:
        return False
    try:
        from streamlit.runtime.scriptrunner import RerunData

        data = RerunData(query_string=ctx.query_string, page_script_hash=page_hash(ctx))
        return bool(requests.request_rerun(data))
    except Exception:
        return False


# --- what each widget showed ------------------------------------------------------------------
#
# Streamlit keeps no widget label on the server: it goes to the browser in the widget's
# element, and only the element's id is kept. Every element leaves through the run context's
# enqueue(), so a hook there notes each widget's id, label and element type as it goes out,
# into the session's own DrawnWidgets. The hook is installed once, on the class; a session
# that doesn't track pays one dict lookup per message.


class Drawn(NamedTuple):
    """What a widget showed when it was drawn."""

    label: str
    element: str  # its element's name: "checkbox" (toggles too), "radio", "button", ...
    password: bool  # a text input that hides what is typed


class DrawnWidgets:
    """The widgets a session's browser shows, by widget id: what the last runs drew.

    ``now`` fills as the run under way draws widgets. When a run of the whole app ends, it
    is what the browser shows; a fragment's run, or a run cut short, replaced only some of
    it. Two runs' worth at most are kept.
    """

    __slots__ = ("now", "shown")

    def __init__(self) -> None:
        self.now: dict[str, Drawn] = {}
        self.shown: dict[str, Drawn] = {}

    def get(self, widget_id: str) -> Drawn | None:
        """What the widget showed, drawn in this run or the ones before; None if unknown."""
        found = self.now.get(widget_id)
        return found if found is not None else self.shown.get(widget_id)

    def run_ended(self, whole: bool) -> None:
        """A run ended: ``whole`` if it drew the whole app to its end."""
        if whole:
            self.shown = self.now
        else:
            self.shown.update(self.now)
        self.now = {}


_DRAWN_ATTR = "_timetravel_drawn"
# Finds a session's DrawnWidgets in its state, for a run context that sends messages before
# track() ran in it (a fragment's run): set by the session module.
_drawn_of_session: list[Callable[[Any], DrawnWidgets | None] | None] = [None]
_labelled: dict[str, bool] = {}  # element name -> whether it is a widget with a label


def _widget_element(name: str, element: Any) -> bool:
    """Whether elements of this type are widgets with an id and a label (asked once)."""
    known = _labelled.get(name)
    if known is None:
        try:
            fields = getattr(element, name).DESCRIPTOR.fields_by_name
            known = "id" in fields and "label" in fields
        except Exception:
            known = False
        _labelled[name] = known
    return known


def _note_element(msg: Any, now: dict[str, Drawn]) -> None:
    if msg.WhichOneof("type") != "delta":
        return
    delta = msg.delta
    if delta.WhichOneof("type") != "new_element":
        return
    element = delta.new_element
    name = element.WhichOneof("type")
    if name is None or not _widget_element(name, element):
        return
    proto = getattr(element, name)
    wid = proto.id
    if wid:
        # TextInput.Type.PASSWORD is 1; other widgets have no such field.
        password = name == "text_input" and proto.type == 1
        now[wid] = Drawn(proto.label, name, password)


def _drawn_for(ctx: Any) -> DrawnWidgets | None:
    """The DrawnWidgets this run context fills, found once per context."""
    attrs = ctx.__dict__
    drawn = attrs.get(_DRAWN_ATTR)
    if drawn is None:
        find = _drawn_of_session[0]
        try:
            # Streamlit's SessionState itself: read without the lock and the checks for a
            # stop or a rerun that st.session_state makes (this runs inside Streamlit).
            state = getattr(ctx.session_state, "_state", None)
            drawn = find(state) if find is not None and state is not None else None
        except Exception:
            drawn = None
        attrs[_DRAWN_ATTR] = drawn if drawn is not None else False
    return drawn if drawn is not False else None


def _install_enqueue_hook() -> bool:
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import ScriptRunContext
    except ImportError:
        return False
    enqueue = getattr(ScriptRunContext, "enqueue", None)
    if enqueue is None:
        return False
    if getattr(enqueue, "_timetravel", False):
        return True

    def hooked(self: Any, msg: Any) -> None:
        try:
            drawn = _drawn_for(self)
            if drawn is not None:
                _note_element(msg, drawn.now)
        except Exception:  # a label is a nicety: never at the cost of the message
            pass
        enqueue(self, msg)

    hooked._timetravel = True  # type: ignore[attr-defined]
    ScriptRunContext.enqueue = hooked  # type: ignore[method-assign]
    return True


def watch_widgets(
    ctx: Any, drawn: DrawnWidgets, find: Callable[[Any], DrawnWidgets | None]
) -> bool:
    """Have the widgets this session draws noted in ``drawn``, from now on. False if not
    possible (labels are then unknown, and frames are named after keys).

    ``find`` gives a session's DrawnWidgets from its state (a mapping), for the run contexts
    that start drawing before :func:`watch_widgets` is called on them.
    """
    if ctx is None or not _install_enqueue_hook():
        return False
    _drawn_of_session[0] = find
    try:
        ctx.__dict__[_DRAWN_ATTR] = drawn
    except AttributeError:
        return False
    return True
