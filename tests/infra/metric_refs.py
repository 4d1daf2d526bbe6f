"""Which CloudWatch metrics a rendered dashboard body or alarm reads.

A metric is read through an explicit metric row (``[namespace, name, dim, value, ..., {options}]``),
an alarm's ``MetricName``/``MetricStat``, a ``SEARCH('{Namespace,Dim,...} MetricName="X"', ...)``
expression or a Metrics Insights ``SELECT FN(X) FROM SCHEMA(Namespace, Dim, ...) ...`` query.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["MetricUse", "UnreadableMetricError", "alarm_metrics", "dashboard_metrics", "expression_metrics"]


@dataclass(frozen=True)
class MetricUse:
    where: str
    namespace: str
    name: str
    dimensions: frozenset[str]
    #: Dimensions a WHERE / GROUP BY clause names (they must be in the SCHEMA).
    filtered_by: frozenset[str] = frozenset()


class UnreadableMetricError(ValueError):
    """A metric reference this parser (and so the cross-check) cannot read: write it plainly."""


_SEARCH: Final = re.compile(r"SEARCH\(\s*'(?P<query>[^']*)'")
_SEARCH_SCHEMA: Final = re.compile(r"\{(?P<schema>[^}]*)\}")
_SEARCH_NAME: Final = re.compile(r'MetricName\s*=\s*"(?P<name>[^"]+)"')
_SELECT: Final = re.compile(
    r"^\s*SELECT\s+\w+\((?P<name>[^)]+)\)\s+FROM\s+"
    r"(?:SCHEMA\((?P<schema>[^)]*)\)|(?P<namespace>\"[^\"]+\"|\w+))(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_WHERE_KEY: Final = re.compile(r"(\w+)\s*(?:=|!=|<>|\bIN\b|\bLIKE\b)", re.IGNORECASE)
_GROUP_BY: Final = re.compile(r"GROUP\s+BY\s+(?P<keys>[\w\s,]+?)(?:\s+ORDER\s+BY|\s+LIMIT|$)", re.IGNORECASE)


def _names(text: str) -> list[str]:
    return [part.strip().strip('"') for part in text.split(",") if part.strip()]


def expression_metrics(expression: str, where: str) -> list[MetricUse]:
    """The metrics a SEARCH or SELECT expression reads (none for plain metric math)."""
    uses: list[MetricUse] = []
    if re.match(r"^\s*SELECT\b", expression, re.IGNORECASE):
        match = _SELECT.match(expression)
        if match is None:
            raise UnreadableMetricError(f"{where}: cannot read the query {expression!r}")
        if match.group("schema") is None:
            raise UnreadableMetricError(
                f"{where}: use FROM SCHEMA(namespace, dimensions...) in {expression!r}"
            )
        namespace, *dimensions = _names(match.group("schema"))
        rest = match.group("rest")
        where_clause = re.split(r"GROUP\s+BY|ORDER\s+BY|LIMIT", rest, flags=re.IGNORECASE)[0]
        filtered = set(_WHERE_KEY.findall(where_clause))
        group = _GROUP_BY.search(rest)
        if group is not None:
            filtered |= set(_names(group.group("keys")))
        uses.append(
            MetricUse(
                where, namespace, match.group("name").strip(), frozenset(dimensions), frozenset(filtered)
            )
        )
        return uses
    for search in _SEARCH.finditer(expression):
        query = search.group("query")
        schema, name = _SEARCH_SCHEMA.search(query), _SEARCH_NAME.search(query)
        if schema is None or name is None:
            raise UnreadableMetricError(f'{where}: a SEARCH needs {{schema}} and MetricName="...": {query!r}')
        namespace, *dimensions = _names(schema.group("schema"))
        uses.append(MetricUse(where, namespace, name.group("name"), frozenset(dimensions)))
    return uses


def _row_metrics(row: list[Any], where: str) -> list[MetricUse]:
    if row and isinstance(row[0], dict):
        return expression_metrics(str(row[0].get("expression", "")), where)
    fields = [item for item in row if not isinstance(item, dict)]
    if any(item in (".", "..") for item in fields):
        raise UnreadableMetricError(f"{where}: write metric rows in full, not with '.' shorthand")
    if len(fields) < 2 or len(fields) % 2:
        raise UnreadableMetricError(
            f"{where}: a metric row is namespace, name, then dimension pairs: {row!r}"
        )
    namespace, name, *pairs = (str(item) for item in fields)
    return [MetricUse(where, namespace, name, frozenset(pairs[0::2]))]


def dashboard_metrics(name: str, body: Mapping[str, Any]) -> Iterator[MetricUse]:
    for widget in body["widgets"]:
        properties = widget.get("properties", {})
        where = f"dashboard {name}, widget {properties.get('title', widget['type'])!r}"
        for row in properties.get("metrics", []):
            yield from _row_metrics(row, where)


def alarm_metrics(name: str, properties: Mapping[str, Any]) -> Iterator[MetricUse]:
    where = f"alarm {name}"
    if "MetricName" in properties:
        dimensions = frozenset(d["Name"] for d in properties.get("Dimensions", []))
        yield MetricUse(where, properties["Namespace"], properties["MetricName"], dimensions)
    for query in properties.get("Metrics", []):
        if "MetricStat" in query:
            metric = query["MetricStat"]["Metric"]
            dimensions = frozenset(d["Name"] for d in metric.get("Dimensions", []))
            yield MetricUse(where, metric["Namespace"], metric["MetricName"], dimensions)
        if "Expression" in query:
            yield from expression_metrics(query["Expression"], where)
