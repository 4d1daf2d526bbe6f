"""docs/api/reference.md is the checked-in OpenAPI document rendered by tools.openapi_markdown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from markdown.extensions.toc import slugify as toc_slugify  # type: ignore[import-untyped]

from tests.docs.doc_files import DOCS
from tools.openapi_markdown import REGENERATE, constraints_of, main, render, slugify, type_of

OPENAPI = DOCS / "api" / "openapi.json"
REFERENCE = DOCS / "api" / "reference.md"


def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return loaded


def test_the_reference_is_current() -> None:
    assert REFERENCE.read_text(encoding="utf-8") == render(_document()), f"stale: run `{REGENERATE}`"


def test_every_operation_and_schema_has_its_section() -> None:
    page = REFERENCE.read_text(encoding="utf-8")
    document = _document()
    for path, item in document["paths"].items():
        for method in item:
            assert f"### {method.upper()} {path}\n" in page
    for name in document["components"]["schemas"]:
        assert f"### {name}\n" in page


def test_types_and_limits_read_like_the_schema() -> None:
    nullable = {"anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}]}
    assert type_of(nullable) == "string or null"
    assert constraints_of(nullable) == "max length 200"
    assert type_of({"type": "array", "items": {"$ref": "#/components/schemas/TrackIn"}}) == (
        "array of [TrackIn](#trackin)"
    )
    assert type_of({"enum": ["now", "period_end"], "type": "string"}) == 'one of `"now"`, `"period_end"`'
    assert constraints_of({"type": "integer", "exclusiveMinimum": 0, "maximum": 9.223372036854776e18}) == (
        "> 0; <= 9.223372036854776e+18"
    )
    assert type_of({"type": "string", "format": "date-time"}) == "string (date-time)"


@given(st.text(max_size=60))
def test_anchors_are_the_ones_mkdocs_makes(heading: str) -> None:
    assert slugify(heading) == toc_slugify(heading, "-")


def test_check_mode_fails_on_a_stale_page_and_passes_once_written(tmp_path: Path) -> None:
    source = tmp_path / "openapi.json"
    output = tmp_path / "reference.md"
    operation: dict[str, Any] = {"description": "Answer.", "responses": {"200": {"description": "OK"}}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Demo", "version": "1"},
        "paths": {"/ping": {"get": operation}},
    }
    source.write_text(json.dumps(document), encoding="utf-8")
    assert main(["--source", str(source), "--output", str(output), "--check"]) == 1
    assert main(["--source", str(source), "--output", str(output)]) == 0
    assert main(["--source", str(source), "--output", str(output), "--check"]) == 0
    assert "### GET /ping" in output.read_text(encoding="utf-8")
    operation["description"] = "Answer differently."
    source.write_text(json.dumps(document), encoding="utf-8")
    assert main(["--source", str(source), "--output", str(output), "--check"]) == 1


def test_an_unreadable_document_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "openapi.json"
    source.write_text("{not json", encoding="utf-8")
    assert main(["--source", str(source), "--output", str(tmp_path / "out.md")]) == 2
