"""``timetravel tui FILE`` and ``python -m timetravel_tui FILE``: open a recording in the
terminal UI."""

from __future__ import annotations

import sys

import click

from timetravel import Recording, RecordingError

from .source import RecordingSource

__all__ = ["command", "main"]


def _fail(message: str) -> None:
    click.echo(f"timetravel: {message}", err=True)
    sys.exit(2)


@click.command("tui", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("-f", "--follow", is_flag=True, help="Follow the file while it is being written.")
@click.option(
    "--frame",
    type=int,
    default=None,
    metavar="N",
    help="Open on frame N (its number, as `timetravel info` shows it; -1 is the newest, "
    "-2 the one before). Default: the newest frame.",
)
def command(file: str, follow: bool, frame: int | None) -> None:
    """Browse, replay, search and diff a recording FILE in the terminal."""
    try:
        # Only the preamble and header are read here, so bad input fails before the screen
        # changes; the app indexes the frames in a worker with a progress bar.
        recording = Recording.open(file, index=False)
        if frame is not None:
            # A frame that isn't there fails here too, in one line: that needs the index.
            recording.refresh()
    except RecordingError as exc:
        _fail(str(exc))
        return
    if frame is not None:
        source = RecordingSource(recording)
        if source.resolve(frame) is None:
            _fail(f"{recording.path}: there is no frame {frame} ({source.describe_range()})")
            return
    from .app import TimetravelApp  # textual is imported only when there is a file to show

    TimetravelApp(recording, follow=follow, frame=frame, exit_on_sigterm=True).run()


def main() -> None:
    """Entry point for ``python -m timetravel_tui``."""
    command(prog_name="python -m timetravel_tui")
