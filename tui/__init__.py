"""timetravel's terminal UI (Textual). It reads recordings only through ``timetravel``'s API."""
