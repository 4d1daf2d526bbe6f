"""The EMF documents the code writes carry exactly the dimensions the registry (and so the dashboards
and alarms) declare.

CloudWatch matches a metric by its full set of dimensions: one extra dimension (Powertools adds
``service`` when given a service name) and every widget and alarm on that metric stays empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from encore.metrics import METRICS
from encore.metrics_emf import PowertoolsSink


def _documents(text: str) -> Iterator[dict[str, Any]]:
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            yield json.loads(line)


def _emitted(document: dict[str, Any]) -> Iterator[tuple[str, frozenset[str]]]:
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for dimensions in directive["Dimensions"]:
            for metric in directive["Metrics"]:
                yield metric["Name"], frozenset(dimensions)


def _assert_match_registry(emitted: list[tuple[str, frozenset[str]]]) -> None:
    assert emitted
    for name, dimensions in emitted:
        if name == "ColdStart":  # Powertools' own, by function name; not on Encore's dashboards
            continue
        assert dimensions == set(METRICS[name].dimensions), (name, sorted(dimensions))


def test_the_front_lambda_emits_registry_dimensions(capsys: pytest.CaptureFixture[str]) -> None:
    from interactions import lambda_handler
    from interactions.telemetry import PowertoolsTelemetry

    telemetry = PowertoolsTelemetry(lambda_handler.metrics, lambda_handler.logger)
    try:
        telemetry.answered("play", 12.5)
        telemetry.rejected("signature")
        telemetry.queue_failed()
        batched = json.loads(json.dumps(lambda_handler.metrics.serialize_metric_set()))
    finally:
        lambda_handler.metrics.clear_metrics()
    emitted = list(_emitted(batched))
    for document in _documents(capsys.readouterr().out):
        emitted.extend(_emitted(document))
    assert {name for name, _ in emitted} >= {"AckLatency", "Commands", "Rejects", "QueueSendFailures"}
    _assert_match_registry(emitted)


def test_the_fleet_and_billing_sink_emits_registry_dimensions(capsys: pytest.CaptureFixture[str]) -> None:
    sink = PowertoolsSink("fleet")
    sink.emit("TrackLoads", 1, Source="youtube")
    sink.emit("LeasesLost", 1)
    emitted = [pair for document in _documents(capsys.readouterr().out) for pair in _emitted(document)]
    assert {name for name, _ in emitted} == {"TrackLoads", "LeasesLost"}
    _assert_match_registry(emitted)
