"""Core: what every stage shares and no stage owns.

Errors and exit codes, atomic writes, where things are (paths), the vocabulary of domain facts
(flags, area names, council code series), the optional extras, and the chart
worker (a process of its own: ``python -m`` on it must not import publish). Imports nothing
from cscbench outside ``core``; every other stage may import it.
"""
