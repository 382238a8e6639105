"""The command line's handlers, one module per command or family of commands.

With :mod:`cscbench.cli` (the parser, ``main()``, ``run()`` and the mapping of errors onto exit
codes), the only code that prints to the terminal: the stages return results or raise
:mod:`cscbench.core.errors` types. An entry point, above every stage (tests/test_imports.py).
"""
