"""Build hook: the wheel carries the data package, whose one copy in git stays at the repo root.

The public contract puts ``datapackage.json``, ``datapackage/``, ``schemas/`` and ``config/`` at the
repository root, where partners and maintainers expect them. Setuptools only packages files inside
the Python package, so ``build_py`` copies them into ``cscbench/_package/`` of the build tree (and
``MANIFEST.in`` puts them in the sdist, so a wheel built from the sdist has them too). Editable
installs skip the copy: they read the checkout's own files, so a re-ingest is seen at once.
Everything else is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLE = Path("cscbench", "_package")  # must match cscbench.core.paths.BUNDLED
PACKAGE_FILES = (
    "datapackage.json",
    "datapackage/*.csv",
    "schemas/*.json",
    "config/groups.toml",
    "config/findings.toml",
    "registry/ofsted_counts.toml",  # latest_judgements(as_at=...): Ofsted's cut-offs
    "releases/*/changes.json",  # publish's "What changed in X.Y.Z" page
)


def package_files(root: Path) -> list[Path]:
    """The data package's files, relative to ``root``; a missing one fails the build loudly."""
    found = []
    for pattern in PACKAGE_FILES:
        matches = sorted(root.glob(pattern))
        if not matches:
            raise FileNotFoundError(f"cannot build cscbench: no {pattern} under {root}")
        found += [path.relative_to(root) for path in matches]
    return found


class BuildWithPackage(build_py):
    """``build_py`` plus a copy of the data package into the wheel's ``cscbench/_package``."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        bundle = Path(self.build_lib, BUNDLE)
        shutil.rmtree(bundle, ignore_errors=True)  # no stale file from an earlier in-tree build
        for relative in package_files(HERE):
            target = bundle / relative
            self.mkpath(str(target.parent))
            self.copy_file(str(HERE / relative), str(target))


setup(cmdclass={"build_py": BuildWithPackage})
