"""``python -m timetravel_tui FILE``: the same command as ``timetravel tui FILE``."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main()
