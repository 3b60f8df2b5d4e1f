"""Performers and the people in them: shared by the programme and by logistics."""
