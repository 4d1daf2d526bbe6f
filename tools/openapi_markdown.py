"""Render the checked-in OpenAPI document as the Markdown API reference of the docs site.

``python -m tools.openapi_markdown`` rewrites ``docs/api/reference.md`` from ``docs/api/openapi.json``;
``python -m tools.openapi_markdown --check`` exits 1 when the page is stale (a test does the same).
The output depends on the document only (no dates, paths in document order, schemas sorted), so
the same document always gives the same page.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

__all__ = ["DEFAULT_OUTPUT", "DEFAULT_SOURCE", "REGENERATE", "main", "render", "slugify"]

ROOT: Final = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE: Final = ROOT / "docs" / "api" / "openapi.json"
DEFAULT_OUTPUT: Final = ROOT / "docs" / "api" / "reference.md"
REGENERATE: Final = "python -m tools.openapi_markdown"

_METHODS: Final = ("get", "put", "post", "patch", "delete", "head", "options")
_REF_PREFIX: Final = "#/components/schemas/"
#: Schema keywords shown in the "Constraints" column, with how to say them.
_CONSTRAINTS: Final = (
    ("minLength", "min length {}"),
    ("maxLength", "max length {}"),
    ("minimum", ">= {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "<= {}"),
    ("exclusiveMaximum", "< {}"),
    ("minItems", "min items {}"),
    ("maxItems", "max items {}"),
    ("pattern", "pattern `{}`"),
    ("default", "default `{}`"),
)


def slugify(text: str) -> str:
    """The heading anchor Python-Markdown's ``toc`` extension (mkdocs) makes of ``text``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^\w\s-]", "", ascii_text).strip().lower()
    return re.sub(r"[-\s]+", "-", cleaned)


def _cell(text: str) -> str:
    """``text`` safe inside a Markdown table cell (one line, pipes escaped)."""
    return " ".join(text.split()).replace("|", "\\|")


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, bool | int | float | str) or value is None:
        return json.dumps(value) if isinstance(value, bool) or value is None else str(value)
    return json.dumps(value, sort_keys=True)


def _ref_name(ref: str) -> str:
    if not ref.startswith(_REF_PREFIX):
        raise ValueError(f"unsupported $ref {ref!r}: only {_REF_PREFIX}... is rendered")
    return ref[len(_REF_PREFIX) :]


def _schema_link(name: str) -> str:
    return f"[{name}](#{slugify(name)})"


def type_of(schema: Mapping[str, Any]) -> str:
    """A short, human description of a JSON schema's type (``ChangeView``, ``string or null``...)."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _schema_link(_ref_name(schema["$ref"]))
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return " or ".join(dict.fromkeys(type_of(option) for option in schema[combinator]))
    if "allOf" in schema:
        return " and ".join(type_of(part) for part in schema["allOf"])
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {type_of(schema['additionalProperties'])}"
    text = str(kind or "object")
    if "format" in schema:
        text += f" ({schema['format']})"
    return text


def constraints_of(schema: Mapping[str, Any]) -> str:
    """The schema's limits, including those of the non-null branch of ``X or null``."""
    parts: list[str] = []
    branches = [schema, *schema.get("anyOf", ()), *schema.get("oneOf", ())]
    for branch in branches:
        for keyword, template in _CONSTRAINTS:
            if keyword in branch:
                part = template.format(_number(branch[keyword]))
                if part not in parts:
                    parts.append(part)
        if branch.get("type") == "array":
            inner = constraints_of(branch.get("items", {}))
            if inner:
                parts.append(f"each: {inner}")
    return "; ".join(parts)


def _describe(schema: Mapping[str, Any], fallback: str = "") -> str:
    return _cell(str(schema.get("description") or fallback))


def _operations(document: Mapping[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for path, item in document.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                yield path, method, item[method]


def _operation_heading(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def _security_text(document: Mapping[str, Any], operation: Mapping[str, Any]) -> str:
    requirements = operation.get("security", document.get("security"))
    if not requirements:
        return "none (see the description)"
    names = [name for requirement in requirements for name in requirement]
    return " or ".join(f"[{name}](#{slugify(name)})" for name in names)


def _render_parameters(parameters: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "| Name | In | Required | Type | Constraints | Description |",
        "|---|---|---|---|---|---|",
    ]
    for parameter in parameters:
        schema = parameter.get("schema", {})
        lines.append(
            f"| `{parameter['name']}` | {parameter['in']} | {'yes' if parameter.get('required') else 'no'} "
            f"| {_cell(type_of(schema))} | {_cell(constraints_of(schema))} "
            f"| {_cell(str(parameter.get('description') or schema.get('description') or ''))} |"
        )
    return lines


def _content_types(content: Mapping[str, Any]) -> str:
    return ", ".join(
        f"`{media}`: {type_of(body.get('schema', {}))}" if body.get("schema") else f"`{media}`"
        for media, body in content.items()
    )


def _render_operation(
    document: Mapping[str, Any], path: str, method: str, op: Mapping[str, Any]
) -> list[str]:
    lines = [f"### {_operation_heading(method, path)}", ""]
    summary = op.get("summary")
    if summary:
        lines += [f"**{summary}**", ""]
    if op.get("description"):
        lines += [str(op["description"]).strip(), ""]
    lines += [f"Authentication: {_security_text(document, op)}.", ""]
    parameters = op.get("parameters", [])
    if parameters:
        lines += ["Parameters:", "", *_render_parameters(parameters), ""]
    body = op.get("requestBody")
    if body:
        required = "required" if body.get("required") else "optional"
        lines += [f"Request body ({required}): {_content_types(body.get('content', {}))}.", ""]
    responses = op.get("responses", {})
    if responses:
        lines += ["| Status | Meaning | Body |", "|---|---|---|"]
        for status, response in responses.items():
            content = _content_types(response.get("content", {})) or "none"
            lines.append(f"| {status} | {_cell(str(response.get('description', '')))} | {_cell(content)} |")
        lines.append("")
    return lines


def _render_schema(name: str, schema: Mapping[str, Any]) -> list[str]:
    lines = [f"### {name}", ""]
    if schema.get("description"):
        lines += [" ".join(str(schema["description"]).split()), ""]
    properties: Mapping[str, Any] = schema.get("properties", {})
    if not properties:
        lines += [f"Type: {type_of(schema)}.", ""]
        return lines
    required = set(schema.get("required", []))
    lines += [
        "| Field | Type | Required | Constraints | Description |",
        "|---|---|---|---|---|",
    ]
    for field, field_schema in properties.items():
        lines.append(
            f"| `{field}` | {_cell(type_of(field_schema))} | {'yes' if field in required else 'no'} "
            f"| {_cell(constraints_of(field_schema))} | {_describe(field_schema)} |"
        )
    if schema.get("additionalProperties") is False:
        lines += ["", "Other fields are refused (422)."]
    lines.append("")
    return lines


def _render_security(schemes: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    for name in sorted(schemes):
        scheme = schemes[name]
        if scheme.get("type") == "http":
            how = f"`Authorization: {str(scheme.get('scheme', '')).capitalize()} <token>`"
        elif scheme.get("type") == "apiKey":
            how = f"`{scheme.get('name')}` {scheme.get('in')}"
        else:
            how = str(scheme.get("type"))
        lines += [f"### {name}", "", f"{how}. {' '.join(str(scheme.get('description', '')).split())}", ""]
    return lines


def render(document: Mapping[str, Any]) -> str:
    """The Markdown reference of ``document`` (an OpenAPI 3.x document)."""
    info = document.get("info", {})
    title = info.get("title", "API")
    lines = [
        f"# {title} API reference",
        "",
        f"<!-- Generated from docs/api/openapi.json by `{REGENERATE}`: do not edit by hand. -->",
        "",
        f"Generated from the checked-in [OpenAPI document](openapi.json) (OpenAPI "
        f"{document.get('openapi', '3')}, API version {info.get('version', '?')}) by `{REGENERATE}`; "
        "a test fails when this page is stale. The [guide](README.md) explains authentication, "
        "idempotency, errors and pagination with examples.",
        "",
    ]
    if info.get("summary"):
        lines += [str(info["summary"]) + ".", ""]
    operations = list(_operations(document))
    lines += ["## Operations", "", "| Method | Path | What it does |", "|---|---|---|"]
    for path, method, op in operations:
        anchor = slugify(_operation_heading(method, path))
        what = op.get("description") or op.get("summary") or ""
        first = str(what).strip().split("\n")[0]
        lines.append(f"| {method.upper()} | [`{path}`](#{anchor}) | {_cell(first)} |")
    lines.append("")
    for path, method, op in operations:
        lines += _render_operation(document, path, method, op)
    components = document.get("components", {})
    schemes = components.get("securitySchemes", {})
    if schemes:
        lines += ["## Authentication schemes", "", *_render_security(schemes)]
    schemas = components.get("schemas", {})
    if schemas:
        lines += ["## Schemas", ""]
        for name in sorted(schemas):
            lines += _render_schema(name, schemas[name])
    return "\n".join(lines).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.openapi_markdown", description=__doc__)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="the OpenAPI JSON document")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the Markdown page to write")
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale, write nothing")
    args = parser.parse_args(argv)
    try:
        document = json.loads(args.source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"openapi_markdown: cannot read {args.source}: {exc}", file=sys.stderr)
        return 2
    page = render(document)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != page:
            print(f"{args.output} is stale: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(page, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
