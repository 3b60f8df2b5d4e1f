"""Tables of ``schedule``; they arrive with the schedule issue."""
