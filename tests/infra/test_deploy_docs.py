"""Every `make` target and `encore` command the deploy guide and the runbook tell you to run exists."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.infra.cfn import ROOT

DOCS = [ROOT / "infra" / "README.md", ROOT / "docs" / "operations" / "runbook.md"]


def _mentioned(pattern: str) -> set[str]:
    found: set[str] = set()
    for doc in DOCS:
        found |= set(re.findall(pattern, doc.read_text(encoding="utf-8")))
    return found


def test_the_make_targets_exist() -> None:
    targets = _mentioned(r"`make ([a-z][a-z-]*)")
    assert targets >= {"deploy", "migrate", "register-commands"}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE), f"make {target}"


@pytest.mark.parametrize("command", sorted(_mentioned(r"\bencore ([a-z][a-z-]+)")))
def test_the_encore_commands_exist(command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "encore_cli", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
