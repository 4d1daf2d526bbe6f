"""Developer tools that generate checked-in files (run as ``python -m tools.<name>``)."""
