"""Every custom metric a dashboard or alarm reads is one the code emits (encore.metrics.METRICS).

A dashboard widget that graphs a name nobody emits stays empty, and an alarm on it never fires: both
look fine until the night they are needed. CloudWatch matches a metric by its exact set of dimension
names, so those must match the registry too. The registry names no dashboard shows are printed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from encore.metrics import METRICS, NAMESPACE
from tests.infra import cfn
from tests.infra.metric_refs import MetricUse, UnreadableMetricError, alarm_metrics, dashboard_metrics


def _dashboard_uses(template: dict[str, Any], renderer: cfn.Renderer) -> list[MetricUse]:
    uses: list[MetricUse] = []
    for name, dashboard in cfn.resources_of_type(template, "AWS::CloudWatch::Dashboard").items():
        body = json.loads(renderer.render(dashboard["Properties"]["DashboardBody"]))
        uses.extend(dashboard_metrics(name, body))
    return uses


def _alarm_uses(template: dict[str, Any], renderer: cfn.Renderer) -> list[MetricUse]:
    uses: list[MetricUse] = []
    for name, alarm in cfn.resources_of_type(template, "AWS::CloudWatch::Alarm").items():
        uses.extend(alarm_metrics(name, renderer.render(alarm["Properties"])))
    return uses


def _problems(uses: list[MetricUse]) -> list[str]:
    problems = []
    for use in uses:
        if use.namespace != NAMESPACE:
            continue
        spec = METRICS.get(use.name)
        if spec is None:
            problems.append(f"{use.where}: {use.name} is not in encore.metrics.METRICS")
            continue
        if use.dimensions != set(spec.dimensions):
            problems.append(
                f"{use.where}: {use.name} has dimensions {sorted(spec.dimensions)}, "
                f"the widget/alarm asks for {sorted(use.dimensions)}"
            )
        if not use.filtered_by <= use.dimensions:
            problems.append(
                f"{use.where}: {use.name} is filtered by {sorted(use.filtered_by - use.dimensions)}"
            )
    return problems


def test_dashboards_and_alarms_read_only_metrics_the_code_emits(
    template: dict[str, Any], renderer: cfn.Renderer
) -> None:
    dashboard_uses = _dashboard_uses(template, renderer)
    uses = dashboard_uses + _alarm_uses(template, renderer)
    assert any(use.namespace == NAMESPACE for use in uses)
    assert _problems(uses) == []

    shown = {use.name for use in dashboard_uses if use.namespace == NAMESPACE}
    not_shown = sorted(set(METRICS) - shown)
    print(f"registry metrics on no dashboard ({len(not_shown)}): {', '.join(not_shown) or 'none'}")


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        # A name the registry lacks (a typo of TrackLoads).
        ("SELECT SUM(TrackLoad) FROM SCHEMA(Encore, Service, Source)", "not in encore.metrics"),
        # The right name with a dimension set CloudWatch would never match.
        ("SELECT SUM(TrackLoads) FROM SCHEMA(Encore, Service)", "has dimensions"),
        # GROUP BY a dimension outside the schema.
        ("SELECT SUM(TrackLoads) FROM SCHEMA(Encore, Service, Source) GROUP BY Node", "filtered by"),
        ("SEARCH('{Encore,Service} MetricName=\"NodeUp\"', 'Minimum', 60)", "has dimensions"),
    ],
)
def test_the_cross_check_catches_wrong_metrics(expression: str, problem: str) -> None:
    body = {
        "widgets": [
            {"type": "metric", "properties": {"title": "t", "metrics": [[{"expression": expression}]]}}
        ]
    }
    problems = _problems(list(dashboard_metrics("D", body)))
    assert len(problems) == 1
    assert problem in problems[0]


def test_an_explicit_row_must_name_every_dimension() -> None:
    body = {
        "widgets": [{"type": "metric", "properties": {"metrics": [["Encore", "NodeUp", "Service", "fleet"]]}}]
    }
    assert "has dimensions" in _problems(list(dashboard_metrics("D", body)))[0]


def test_rows_the_parser_cannot_read_are_refused_not_skipped() -> None:
    shorthand = {"widgets": [{"type": "metric", "properties": {"metrics": [[".", "NodeUp", ".", "."]]}}]}
    with pytest.raises(UnreadableMetricError, match="shorthand"):
        list(dashboard_metrics("D", shorthand))
    unscoped = {
        "widgets": [
            {"type": "metric", "properties": {"metrics": [[{"expression": "SELECT SUM(X) FROM Encore"}]]}}
        ]
    }
    with pytest.raises(UnreadableMetricError, match="SCHEMA"):
        list(dashboard_metrics("D", unscoped))
