"""The version rule: a release bumps at least as much as its changes need, by one step."""

from __future__ import annotations

import pytest

from cscbench.release import semver


@pytest.mark.parametrize(
    ("previous", "new", "needed", "ok"),
    [
        ("0.1.0", "0.1.1", "patch", True),
        ("0.1.0", "0.2.0", "patch", True),  # a larger bump is allowed
        ("0.1.0", "1.0.0", "minor", True),
        ("0.1.0", "0.1.1", "minor", False),
        ("0.1.0", "0.2.0", "major", False),
        ("0.1.0", "0.3.0", "minor", False),  # skips 0.2.0
        ("0.1.0", "0.2.1", "minor", False),
        ("0.1.0", "0.1.0", "patch", False),
        ("0.9.0", "0.10.0", "minor", True),
        ("1.2.3", "2.0.0", "major", True),
        ("0.1.0", "0.1.1", "none", False),  # nothing to release
    ],
)
def test_the_version_rule(previous: str, new: str, needed: str, ok: bool) -> None:
    if ok:
        semver.check(previous, new, needed, ["a change"])
    else:
        with pytest.raises(semver.VersionError):
            semver.check(previous, new, needed, ["a change"])


@pytest.mark.parametrize("text", ["0.1", "v0.1.0", "0.1.0-rc1", "01.1.0", "0.1.0 "])
def test_only_plain_versions_are_accepted(text: str) -> None:
    with pytest.raises(semver.VersionError, match=r"X\.Y\.Z"):
        semver.parse(text)


def test_the_message_names_the_changes_and_the_expected_version() -> None:
    with pytest.raises(semver.VersionError) as caught:
        semver.check("0.1.0", "0.1.1", "major", ["a", "b", "c", "d"])
    message = str(caught.value)
    assert "need a MAJOR release (a; b; c; and 1 more)" in message
    assert message.endswith("expected 1.0.0")
    assert semver.highest(["patch", "major", "minor"]) == "major" and semver.highest([]) == "none"
