"""Performer logistics (issue 5): delegations and their people, travel legs, ground transfers,
hotels and rooms, travel documents and passports. Tables in ``tables.py`` (Piccolo app
``logistics``), one module of services per area, the JSON API in ``controllers.py``.
"""
