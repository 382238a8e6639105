"""Validating one resource's CSV against its Table Schema alone, with frictionless."""

from __future__ import annotations

import json
from pathlib import Path

import frictionless


def validate_alone(path: Path, schema_path: Path) -> frictionless.Report:
    """Validate a CSV against its schema without foreign keys (those need the whole package)."""
    descriptor = json.loads(schema_path.read_text(encoding="utf-8"))
    descriptor.pop("foreignKeys", None)
    schema = frictionless.Schema.from_descriptor(descriptor)
    resource = frictionless.Resource(path=path.name, basepath=str(path.parent), schema=schema)
    return resource.validate()


def error_types(report: frictionless.Report) -> set[str]:
    return {error[0] for error in report.flatten(["type"])}
