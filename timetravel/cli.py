"""The ``timetravel`` command: ``info``, ``export`` (and ``tui`` once installed)."""

from __future__ import annotations

import datetime as _dt
import functools
import json
import math
import sys
from collections import Counter
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, TypeVar

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

    return wrapper  # type: ignore[return-value]


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
            reason = f"the {cmd_name!r} command is installed but can't load ({exc})"

            @click.command(cmd_name, help=f"Unavailable: {reason}.", add_help_option=False)
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


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
@recording_command
def info(file: str) -> None:
    """Summarise a recording: frames, time span, keys, size, keyframes, pages."""
    rec = Recording.open(file)
    # Everything below comes from the file: labels are escaped and cut (see timetravel.display).
    keys: dict[str, None] = {}
    pages: dict[str, None] = {}
    triggers: Counter[str] = Counter()
    restores: Counter[str] = Counter()
    for frame in rec:
        for change in frame.changes:
            if change.path:
                keys[_key_label(change.path[0])] = None
        if frame.page:
            pages[safe_text(frame.page)] = None
        if frame.is_restore:
            restores[safe_text(frame.trigger or "restore")] += 1
        elif frame.trigger:
            triggers[safe_text(frame.trigger)] += 1
    lines = [
        f"file:       {safe_text(rec.path, 2000)}",
        f"format:     version {rec.version}, created {_when(rec.created)}",
        f"size:       {rec.size:,} bytes",
    ]
    if len(rec):
        first, last = rec[0], rec[-1]
        restored = ", ".join(f"{n} {t}" for t, n in sorted(restores.items()))
        lines.append(f"frames:     {len(rec):,}" + (f" ({restored})" if restored else ""))
        lines.append(f"time span:  {_span(first.time, last.time)}")
    else:
        lines.append("frames:     0")
    lines.append(f"keyframes:  {len(rec.keyframes):,}")
    shown = ", ".join(list(keys)[:20])
    more = f", ... (+{len(keys) - 20})" if len(keys) > 20 else ""
    lines.append(f"keys:       {len(keys)}" + (f": {shown}{more}" if keys else ""))
    lines.append(f"pages:      {', '.join(pages) if pages else '-'}")
    if triggers:
        top = ", ".join(f"{t} ({n})" for t, n in triggers.most_common(8))
        lines.append(f"triggers:   {top}")
    if rec.app:
        lines.append(f"app:        {safe_text(json.dumps(to_json(rec.app)), 2000)}")
    if rec.notice:
        lines.append(f"notice:     {safe_text(rec.notice, 2000)}")
    click.echo("\n".join(lines))


@main.command()
@click.argument("file", type=click.Path(dir_okay=True))
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
def export(file: str, fmt: str, output: str, states: bool) -> None:
    """Export a recording's frames as JSON or JSON Lines."""
    rec = Recording.open(file)
    header = {
        "format": rec.version,
        "created": rec.created,
        "app": to_json(rec.app),
        "options": to_json(rec.options),
        "frames": len(rec),
    }

    def frames() -> Any:
        for i, frame in enumerate(rec):
            row = frame_to_json(frame)
            if states:
                row["state"] = to_json(rec.state_at(i))
            yield row

    with click.open_file(output, "w", encoding="utf-8") as out:
        if fmt == "jsonl":
            out.write(json.dumps({"header": header}) + "\n")
            for row in frames():
                out.write(json.dumps(row) + "\n")
        else:
            out.write(json.dumps({**header, "frames": list(frames())}, indent=1) + "\n")
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
