"""Tables of ``ticketing``; they arrive with the ticketing issue."""
