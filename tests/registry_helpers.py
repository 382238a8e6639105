"""Run cscbench's commands in-process against a temporary copy of the registry."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from cscbench.ingest import registry as registries
from cscbench.ingest.registry import Registry


def use_registry(monkeypatch: pytest.MonkeyPatch, registry: Callable[[], Registry]) -> None:
    """Make ``registry`` every cscbench module's ``default_registry`` for the test (modules that
    imported the name hold their own reference, so each one is patched)."""
    original = registries.default_registry
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("cscbench") and (
            getattr(module, "default_registry", None) is original
        ):
            monkeypatch.setattr(module, "default_registry", registry)
