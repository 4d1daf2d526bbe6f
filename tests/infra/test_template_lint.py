"""template.yaml passes cfn-lint and `sam validate --lint`: the two checks AWS's own tooling makes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.cfn import ROOT, TEMPLATE


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_cfn_lint_finds_nothing() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = _run([str(cfn_lint), str(TEMPLATE)])
    assert result.returncode == 0, result.stdout + result.stderr


def _sam_cli() -> str | None:
    """`$SAM_CLI` (what `make test` sets), else `.venv-sam/bin/sam`, else `sam` on the PATH."""
    configured = os.environ.get("SAM_CLI")
    if configured:
        return configured
    local = ROOT / ".venv-sam" / "bin" / "sam"
    if local.exists():
        return str(local)
    return shutil.which("sam")


def test_sam_validate_lint_passes() -> None:
    sam = _sam_cli()
    if sam is None:
        pytest.skip("no AWS SAM CLI: `make test` installs it in .venv-sam (or set SAM_CLI)")
    result = _run([sam, "validate", "--lint", "--template-file", str(TEMPLATE)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr
