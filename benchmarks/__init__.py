"""Benchmarks: scripts that build data, serve the app in-process and print numbers (no assertions).

Run one with ``.venv/bin/python -m benchmarks.<name> --help``; results are kept in ``docs/benchmarks.md``.
"""
