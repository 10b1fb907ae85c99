"""timetravel's terminal UI (Textual), installed as ``timetravel_tui``. It reads recordings
only through ``timetravel``'s API."""

from timetravel._extras import require

# Without Textual, one line that says what to install (`timetravel tui` prints it).
require("textual", "the terminal UI", "Textual", "tui")
