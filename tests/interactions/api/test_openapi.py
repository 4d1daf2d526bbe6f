"""The checked-in OpenAPI document is the one the code generates (regenerate it when this fails)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from interactions.api.openapi import REGENERATE

ROOT = Path(__file__).resolve().parents[3]
DOCUMENT = ROOT / "docs" / "api" / "openapi.json"


def generated() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "interactions.api.openapi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_the_checked_in_document_is_current() -> None:
    assert DOCUMENT.read_text() == generated(), f"docs/api/openapi.json is stale: run `{REGENERATE}`"


def test_errors_are_documented_as_problem_json_and_both_credentials_as_schemes() -> None:
    document = json.loads(DOCUMENT.read_text())
    assert set(document["components"]["securitySchemes"]) == {"DiscordBearer", "AdminKey"}
    trial = document["paths"]["/api/v1/guilds/{guild_id}/subscription/trial"]["post"]
    assert set(trial["responses"]["409"]["content"]) == {"application/problem+json"}
    assert any(p["name"] == "Idempotency-Key" for p in trial["parameters"])
