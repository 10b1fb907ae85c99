"""The widgets of the timetravel terminal UI, one module per widget."""
