"""The ``timetravel`` command: ``info``, ``export``, ``check``, ``sessions``, ``prune`` (and
``tui`` once installed).

``info`` and ``export`` read a recording from a file, from standard input (``-``), or from a
session of a store: ``STORE#SESSION`` or ``STORE --session SESSION`` (docs/stores.md).
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import entry_points
from typing import IO, Any, TypeVar

import click

from . import __version__
from .display import display_key, display_repr, safe_text
from .errors import RecordingError
from .jsonable import frame_to_json, to_json
from .recording import Recording

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    # Messages may quote a file's content or name: never let them drive the terminal.
    click.echo(f"timetravel: {safe_text(message, 2000)}", err=True)
    sys.exit(2)


def recording_command(func: F) -> F:
    """Turn RecordingError (and OS errors on output) into a one-line message and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RecordingError as exc:
            _fail(str(exc))
        except OSError as exc:
            _fail(f"{getattr(exc, 'filename', None) or 'output'}: {exc.strerror or exc}")
        except ValueError as exc:  # an invalid session id, say
            _fail(str(exc))

    return wrapper  # type: ignore[return-value]


_SESSION_OPTION = click.option(
    "-s",
    "--session",
    default=None,
    metavar="ID",
    help="Read this session of the store FILE names (or write FILE as STORE#ID).",
)


def open_recording(file: str, session: str | None = None) -> Recording:
    """The recording ``file`` names: a path, ``-`` (standard input), ``STORE#ID``, or a store
    with ``session``. Raises RecordingError (a StoreError for a bad store)."""
    from .stores import _scheme, split_location

    if file == "-" and session is None:
        return Recording.open(sys.stdin.buffer.read())
    if session is not None:
        return Recording.open(file, session=session)
    if _scheme(file) is not None and split_location(file) is None:
        raise RecordingError(
            f"{file} is a store: name a session as STORE#ID or with --session ID "
            "(`timetravel sessions STORE` lists them)"
        )
    return Recording.open(file)


class _Commands(click.Group):
    """The built-in commands, plus those other installed parts provide (the TUI's ``tui``).

    Those load only when asked for, so ``timetravel info`` never imports the terminal UI.
    """

    @staticmethod
    def _plugins() -> dict[str, Any]:
        return {ep.name: ep for ep in entry_points(group="timetravel.commands")}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        ep = self._plugins().get(cmd_name)
        if ep is None:
            return None
        try:
            loaded = ep.load()
        except Exception as exc:
            from ._extras import MissingExtraError

            if isinstance(exc, MissingExtraError):  # "... needs Textual: pip install ..."
                reason = str(exc)
            else:
                reason = f"the {cmd_name!r} command is installed but can't load ({exc})"

            # Whatever it is given (a FILE, --help), it says why it can't run.
            @click.command(
                cmd_name,
                help=f"Unavailable: {reason}.",
                add_help_option=False,
                context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
            )
            def unavailable() -> None:
                _fail(reason)

            return unavailable
        return loaded if isinstance(loaded, click.Command) else None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="timetravel")
def main() -> None:
    """Record, undo and replay Streamlit session state."""


def _when(ts: Any) -> str:
    """A local date and time for an epoch time from a file; ``invalid time (...)`` for NaN,
    infinities, out-of-range numbers and non-numbers (never raises)."""
    try:
        if isinstance(ts, bool) or not isinstance(ts, (int, float)):
            raise TypeError
        return _dt.datetime.fromtimestamp(ts).isoformat(sep=" ", timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return f"invalid time ({display_repr(ts, 40)})"


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s" if hours else f"{minutes}m{secs:02d}s"


def _span(first: Any, last: Any) -> str:
    """``start -> end (duration)``, with ``?`` for a duration that can't be worked out."""
    start, end = _when(first), _when(last)
    valid = not start.startswith("invalid") and not end.startswith("invalid")
    duration = _duration(float(last) - float(first)) if valid else "?"
    return f"{start} -> {end} ({duration})"


def _key_label(key: Any) -> str:
    """A top-level key as ``info`` lists it: escaped, cut, never raising (even for a map)."""
    return display_key(key)


def _listing(items: list[str], limit: int) -> str:
    """``a, b, c`` with at most ``limit`` items shown, then ``+N more`` for the rest."""
    shown = ", ".join(items[:limit])
    return shown + (f", +{len(items) - limit:,} more" if len(items) > limit else "")


def _counted(counts: Counter[str], limit: int) -> str:
    """The ``limit`` most common as ``name (n)``, then ``+N more`` for the other names."""
    return _listing([f"{t} ({n:,})" for t, n in counts.most_common()], limit)


@main.command()
@click.argument("file", type=click.Path(dir_okay=True, allow_dash=True))
@_SESSION_OPTION
@recording_command
def info(file: str, session: str | None) -> None:
    """Summarise a recording: frames, time span, keys, size, keyframes, pages.

    FILE is a .ttrec file, - for standard input, or a store's session (STORE#ID, or STORE
    with --session ID).
    """
    rec = open_recording(file, session)
    summary = rec.summary()  # from the index and the writer's summaries, not every frame
    # Everything below comes from the file: labels are escaped and cut (see timetravel.display).
    keys = list(dict.fromkeys(_key_label(k) for k in summary.keys))
    pages = list(dict.fromkeys(safe_text(p) for p in summary.pages if p))
    triggers: Counter[str] = Counter()
    for t, n in summary.triggers.items():
        if t:
            triggers[safe_text(t)] += n
    restores: Counter[str] = Counter()
    for r, n in summary.restores.items():
        restores[safe_text(r or "restore")] += n
    lines = [
        f"file:       {safe_text(rec.path, 2000)}",
        f"format:     version {rec.version}, created {_when(rec.created)}",
        f"size:       {rec.size:,} bytes",
    ]
    if len(rec):
        restored = _listing([f"{n:,} {t}" for t, n in sorted(restores.items())], 8)
        lines.append(f"frames:     {len(rec):,}" + (f" ({restored})" if restored else ""))
        lines.append(f"time span:  {_span(summary.first_time, summary.last_time)}")
    else:
        lines.append("frames:     0")
    lines.append(f"keyframes:  {len(rec.keyframes):,}")
    lines.append(f"keys:       {len(keys):,}" + (f": {_listing(keys, 20)}" if keys else ""))
    lines.append(f"pages:      {_listing(pages, 20) if pages else '-'}")
    if triggers:
        lines.append(f"triggers:   {_counted(triggers, 8)}")
    if rec.app:
        lines.append(f"app:        {safe_text(json.dumps(to_json(rec.app)), 2000)}")
    if rec.notice:
        lines.append(f"notice:     {safe_text(rec.notice, 2000)}")
    click.echo("\n".join(lines))


def _write_json_document(out: IO[str], header: dict[str, Any], rows: Iterable[Any]) -> None:
    """Write ``json.dumps({**header, "frames": list(rows)}, indent=1)`` and a newline, one
    row at a time (a row is never held longer than it takes to write it)."""
    head = json.dumps({k: v for k, v in header.items() if k != "frames"}, indent=1)
    out.write((head[:-2] + ",\n" if header.keys() - {"frames"} else "{\n") + ' "frames": [')
    sep = "\n  "
    for row in rows:
        # One level deeper than json.dumps puts it: JSON text has no raw newlines in strings.
        out.write(sep + json.dumps(row, indent=1).replace("\n", "\n  "))
        sep = ",\n  "
    out.write(("]" if sep == "\n  " else "\n ]") + "\n}\n")


@main.command()
@click.argument("file", type=click.Path(dir_okay=True, allow_dash=True))
@_SESSION_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "jsonl"]),
    default="json",
    show_default=True,
    help="json: one document; jsonl: a header line, then one line per frame.",
)
@click.option("-o", "--output", default="-", help="File to write (default: standard output).")
@click.option("--states", is_flag=True, help="Include the whole state after each frame.")
@recording_command
def export(file: str, session: str | None, fmt: str, output: str, states: bool) -> None:
    """Export a recording's frames as JSON or JSON Lines.

    FILE is a .ttrec file, - for standard input, or a store's session (STORE#ID, or STORE
    with --session ID).
    """
    rec = open_recording(file, session)
    header = {
        "format": rec.version,
        "created": rec.created,
        "app": to_json(rec.app),
        "options": to_json(rec.options),
        "frames": len(rec),
    }

    def frames() -> Iterator[dict[str, Any]]:
        if not states:
            for frame in rec:
                yield frame_to_json(frame)
            return
        # One forward walk: each frame's changes applied once to a running state, which is
        # serialised as it stands after each frame (Recording.states reuses the dict).
        for frame, state in rec.states():
            row = frame_to_json(frame)
            row["state"] = to_json(state)
            yield row

    with click.open_file(output, "w", encoding="utf-8") as out:
        if fmt == "jsonl":
            out.write(json.dumps({"header": header}) + "\n")
            for row in frames():
                out.write(json.dumps(row) + "\n")
        else:
            _write_json_document(out, header, frames())
    if output != "-":
        click.echo(f"wrote {len(rec):,} frames to {safe_text(output, 2000)}", err=True)


@main.command("check")
@click.argument("file", type=click.Path(dir_okay=True))
def check_command(file: str) -> None:
    """Verify every record and every keyframe; one line per problem.

    Exit 0 when clean, 1 when problems were found, 2 when the file can't be read.
    """
    from .check import check_recording

    try:
        report = check_recording(file)
    except RecordingError as exc:
        _fail(str(exc))
        return
    for problem in report.problems:
        click.echo(f"{report.path}: {problem}")
    if report.problems:
        sys.exit(1)
    click.echo(f"{report.path}: ok ({report.frames:,} frames, {report.keyframes:,} keyframes)")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


@main.command("sessions")
@click.argument("store")
@recording_command
def sessions_command(store: str) -> None:
    """List the sessions of a STORE: a folder, sqlite:///path.db or postgresql://...

    One line per session, most recently active first: id, user, started, last activity,
    frames, size. Open one with `timetravel info STORE#ID`.
    """
    from .stores import open_store

    opened = open_store(store)
    try:
        listed = opened.sessions()
    finally:
        opened.close()
    rows = [
        [
            safe_text(s.id, 200),
            safe_text(s.user or "-", 60),
            _when(s.started),
            _when(s.last_activity),
            f"{s.frames:,}",
            _size(s.size),
        ]
        for s in listed
    ]
    if not rows:
        click.echo(f"no sessions in {safe_text(opened.url, 2000)}")
        return
    head = ["id", "user", "started", "last activity", "frames", "size"]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    right = {4, 5}
    for r in [head, *rows]:
        cells = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        click.echo("  ".join(cells).rstrip())


@main.command("prune")
@click.argument("store")
@click.option("--ttl", type=float, default=None, help="Delete sessions idle this many seconds.")
@click.option("--max-sessions", type=int, default=None, help="Keep the N most recently active.")
@recording_command
def prune_command(store: str, ttl: float | None, max_sessions: int | None) -> None:
    """Delete a STORE's expired sessions: idle for --ttl seconds, or beyond --max-sessions."""
    from .stores import open_store

    if ttl is None and max_sessions is None:
        _fail("prune needs --ttl SECONDS or --max-sessions N")
    opened = open_store(store)
    try:
        pruned = opened.prune(ttl=ttl, max_sessions=max_sessions)
    finally:
        opened.close()
    click.echo(f"pruned {len(pruned):,} session{'' if len(pruned) == 1 else 's'}")


@main.command("replay")
@click.argument("file", type=click.Path(dir_okay=True))
@click.argument("app", type=click.Path(dir_okay=False))
@click.option(
    "--timeout",
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="The longest one run of the app may take.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only a divergence.")
@recording_command
def replay_command(file: str, app: str, timeout: float, quiet: bool) -> None:
    """Replay a recording against APP (a Streamlit script) and compare the states.

    The app runs under Streamlit's AppTest. Each recorded interaction is sent to it again
    (widget values, clicks, form submits, Undo, Redo, jumps) and its state compared with the
    recorded frame. Exit 0 when the app behaves as recorded, 1 with the first difference as
    key paths when not, 2 when the recording can't be replayed.
    """
    from .streamlit.replay import ReplayError, replay

    try:
        result = replay(file, app, timeout=timeout)
    except ReplayError as exc:
        _fail(str(exc))
        return
    if result.ok:
        if not quiet:
            click.echo(f"{safe_text(file, 2000)}: {result.describe()}")
        return
    click.echo(f"{safe_text(file, 2000)}: {result.describe()}")
    sys.exit(1)


@main.command(
    "open",
    context_settings={"ignore_unknown_options": True},
)
@click.argument("file", type=click.Path(dir_okay=True))
@click.argument("app", type=click.Path(dir_okay=False))
@click.option(
    "--frame",
    "frame",
    type=int,
    default=None,
    metavar="N",
    help="The frame (its index, as `info` and the history panel show it; negative: from "
    "the end) whose state the app starts with. Default: the last.",
)
@click.argument("streamlit_args", nargs=-1, type=click.UNPROCESSED)
@recording_command
def open_command(file: str, app: str, frame: int | None, streamlit_args: tuple[str, ...]) -> None:
    """Start `streamlit run APP` with the state of a recorded frame in its first session.

    The app must call timetravel.streamlit.track() before drawing widgets: it writes the
    recorded keys (widget keys included) into the first session's state. Arguments after
    APP (or after --) go to `streamlit run`: timetravel open rec.ttrec app.py --frame 3 --
    --server.port 8600.
    """
    import os

    from .streamlit.session import START_FRAME_ENV, START_FROM_ENV, start_state

    try:
        start_state(file, frame)  # the file and frame are fine before Streamlit starts
    except IndexError as exc:
        _fail(str(exc))
        return
    if not os.path.isfile(app):
        _fail(f"{app}: no such file")
        return
    env = dict(os.environ)
    env[START_FROM_ENV] = os.path.abspath(file)
    if frame is None:
        env.pop(START_FRAME_ENV, None)
    else:
        env[START_FRAME_ENV] = str(frame)
    args = list(streamlit_args[1:] if streamlit_args[:1] == ("--",) else streamlit_args)
    _run_streamlit([sys.executable, "-m", "streamlit", "run", app, *args], env)


def _run_streamlit(command: list[str], env: dict[str, str] | None = None) -> None:
    """Run ``command`` (a `streamlit run`) in place of this process, and exit with it."""
    import os
    import subprocess

    if os.name == "posix":
        # Become the server: its signals, exit status and stopping are Streamlit's own (a
        # parent left waiting could die and leave the server running on its own).
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, command, env if env is not None else dict(os.environ))
    try:
        code = subprocess.call(command, env=env)
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)


def _check_view_target(target: str) -> None:
    """Fail (one line, exit 2) unless ``target`` is a readable recording, ``STORE#SESSION``
    or store; reads only a recording's header, so a big file is checked at once."""
    import os

    from .stores import open_store, split_location

    if target == "-":
        _fail("view reads a file or a store, not standard input")
    if os.path.isfile(target) or split_location(target) is not None:
        Recording.open(target, index=False)
    elif os.path.isdir(target) or "://" in target:
        open_store(target).close()
    else:
        Recording.open(target, index=False)  # says why it is not there


@main.command(
    "view",
    context_settings={"ignore_unknown_options": True},
)
@click.argument("target", required=False)
@click.argument("streamlit_args", nargs=-1, type=click.UNPROCESSED)
@recording_command
def view_command(target: str | None, streamlit_args: tuple[str, ...]) -> None:
    """Serve the browser viewer: timeline, state, diffs, key history, search and a chart.

    TARGET is a .ttrec file, a store (a folder, sqlite:///x.db, postgresql://...: its
    sessions are listed to pick one) or STORE#SESSION. Without it, the page offers an
    upload, a path or a store. Options after -- go to `streamlit run`: timetravel view
    rec.ttrec -- --server.port 8600. The server listens on 127.0.0.1 (recordings can hold
    private data) unless --server.address says otherwise.
    """
    import os

    from ._extras import MissingExtraError, require

    try:
        require("streamlit", "timetravel view", "Streamlit", "streamlit")
    except MissingExtraError as exc:
        _fail(str(exc))
    args = [a for a in streamlit_args if a != "--"]
    if target is not None and target.startswith("-") and target != "-":
        args.insert(0, target)  # no TARGET: the first option was taken for it
        target = None
    if target is not None:
        _check_view_target(target)
    if not any(a == "--server.address" or a.startswith("--server.address=") for a in args):
        args = ["--server.address", "127.0.0.1", *args]
    app = os.path.join(os.path.dirname(os.path.abspath(__file__)), "streamlit", "viewer", "app.py")
    command = [sys.executable, "-m", "streamlit", "run", app, *args]
    if target is not None:
        is_path = os.path.exists(target) and "://" not in target
        command += ["--", os.path.abspath(target) if is_path else target]
    _run_streamlit(command)
