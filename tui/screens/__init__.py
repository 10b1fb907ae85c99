"""Modal screens: help and go-to-frame."""
