"""Exporters of the published programme: pure builders from a ``schedule.snapshot.Programme``."""
