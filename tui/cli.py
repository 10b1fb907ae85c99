"""``timetravel tui FILE`` and ``python -m timetravel_tui FILE``: open a recording in the
terminal UI."""

from __future__ import annotations

import sys

import click

from timetravel import Recording, RecordingError

__all__ = ["command", "main"]


def _fail(message: str) -> None:
    click.echo(f"timetravel: {message}", err=True)
    sys.exit(2)


@click.command("tui", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("-f", "--follow", is_flag=True, help="Follow the file while it is being written.")
def command(file: str, follow: bool) -> None:
    """Browse, replay and diff a recording FILE in the terminal."""
    try:
        # Only the preamble and header are read here, so bad input fails before the screen
        # changes; the app indexes the frames in a worker with a progress bar.
        recording = Recording.open(file, index=False)
    except RecordingError as exc:
        _fail(str(exc))
        return
    from .app import TimetravelApp  # textual is imported only when there is a file to show

    TimetravelApp(recording, follow=follow, exit_on_sigterm=True).run()


def main() -> None:
    """Entry point for ``python -m timetravel_tui``."""
    command(prog_name="python -m timetravel_tui")
