"""Validate: the check catalogue (each check's id, meaning and fix), the problems and report,
the fast engine (``run``) and the frictionless cross-check.

May import ``core`` and ``package``.
"""
