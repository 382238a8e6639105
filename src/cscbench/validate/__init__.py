"""Validate: the check catalogue (``checks``: each check's id, meaning and fix), the problems and
report (``report``), the row rules of each resource (``rules``), the fast engine (``run``) and the
frictionless cross-check (``frictionless_engine``).

May import ``core`` and ``package``.
"""
