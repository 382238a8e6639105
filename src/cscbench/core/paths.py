"""Where things are: the data package (a checkout's own, or the copy inside the wheel), the groups
config, and the raw folder (a setting, never hard-wired).

One copy of the package lives in git, at the repository root. A wheel carries a copy of it in
``cscbench/_package`` (``setup.py`` puts it there). Code running from a checkout (an editable
install, the tests) reads the checkout's files, so a maintainer who re-ingests sees the change at
once; an installed wheel reads its bundled copy, from any working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from cscbench.core.errors import UsageError

HERE = Path(__file__).resolve().parents[1]  # src/cscbench (this file is in core/)
# The repository root when this code runs from a checkout (src layout); elsewhere meaningless.
ROOT = HERE.parents[1]
BUNDLED = HERE / "_package"  # must match setup.py's BUNDLE
RAW_ENV = "CSCBENCH_RAW_DIR"


class CheckoutRequired(UsageError):
    """A maintainers' command (ingest, fetch) was run from an installed wheel, not a checkout."""


def checkout() -> Path | None:
    """The repository this code runs from, or None when it runs from an installed wheel."""
    if (ROOT / "pyproject.toml").is_file() and (ROOT / "datapackage.json").is_file():
        return ROOT
    return None


def package_home() -> Path:
    """The folder holding ``datapackage.json``: the checkout's own, else the wheel's bundled copy."""
    return checkout() or BUNDLED


def default_package() -> Path:
    """The ``datapackage.json`` that ``load()``, ``validate`` and ``publish`` use by default."""
    return package_home() / "datapackage.json"


def default_groups() -> Path:
    """The comparison groups shipped with the package (``config/groups.toml``)."""
    return package_home() / "config" / "groups.toml"


def default_findings() -> Path:
    """The key findings' rules shipped with the package (``config/findings.toml``): which small
    bases the index page's "biggest movers" leave out."""
    return package_home() / "config" / "findings.toml"


def default_releases() -> Path:
    """The release record (``releases/X.Y.Z/``): the checkout's, else the wheel's copy of the
    changes files publish renders."""
    return package_home() / "releases"


def default_site() -> Path:
    """Where ``publish`` writes: the checkout's ``site/``, else ``site/`` in the working folder."""
    home = checkout()
    return (home if home else Path.cwd()) / "site"


def require_checkout(command: str) -> Path:
    """The checkout root, or an error a user can act on when running from an installed wheel."""
    home = checkout()
    if home is None:
        raise CheckoutRequired(
            f"`cscbench {command}` is a maintainers' command that needs a clone of the repository "
            "(it rebuilds the package from the raw publisher files into the clone). Clone it and "
            "install it "
            "editable (git clone ... && cd cscbench && pip install -e '.[all]'), then run it there. "
            "The installed package already holds the data: use cscbench.load(), "
            "`cscbench validate` and `cscbench publish`."
        )
    return home


def raw_dir(explicit: str | Path | None = None) -> Path:
    """``--raw-dir``, else ``$CSCBENCH_RAW_DIR``, else ``../shared/data/raw`` beside the checkout."""
    if explicit:
        return Path(explicit).resolve()
    if os.environ.get(RAW_ENV):
        return Path(os.environ[RAW_ENV]).resolve()
    return (ROOT.parent / "shared" / "data" / "raw").resolve()
