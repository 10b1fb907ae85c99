"""The optional parts of timetravel and the extras that install what they need.

pyproject.toml's optional dependencies: ``[streamlit]`` (``timetravel.streamlit``), ``[tui]``
(the terminal UI, ``timetravel_tui``), ``[deepdiff]`` (``Frame.to_delta()``), ``[sql]`` and
``[postgres]`` (stores), ``[all]``. A part whose package is missing says, in one line, what to
install.
"""

from __future__ import annotations

import importlib.util

__all__ = ["DISTRIBUTION", "MissingExtraError", "install_command", "require"]

DISTRIBUTION = "timetravel-streamlit"


class MissingExtraError(ImportError):
    """A part of timetravel needs a package that one of its extras installs."""


def install_command(extra: str) -> str:
    """``pip install 'timetravel-streamlit[extra]'``."""
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def require(module: str, part: str, package: str, extra: str) -> None:
    """Raise MissingExtraError ("PART needs PACKAGE: pip install ...") unless the top-level
    ``module`` can be imported. Only looks for it: nothing is imported."""
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a module in sys.modules without a spec, say
        found = True
    if not found:
        raise MissingExtraError(
            f"{part} needs {package}: {install_command(extra)}", name=module
        )
