"""``python -m cscbench.validate.checks``: print the check table of docs/validation.md."""

from cscbench.validate.checks import readme_table

print(readme_table())
