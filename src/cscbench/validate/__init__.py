"""Validate: the check catalogue (``checks/``: one module per check family, each check's id, meaning
and fix, with the row rules this stage applies beside them), the problems and report
(``report``), which resource gets which rules (``rules``), the fast engine (``run``) and the
frictionless cross-check (``frictionless_engine``).

May import ``core`` and ``package``.
"""
