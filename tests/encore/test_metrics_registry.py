"""The metrics registry refuses what it does not declare, so a typo in a metric name fails a test."""

from __future__ import annotations

import pytest

from encore.metrics import METRICS, NullSink, RecordingSink, UnknownMetricError


def test_recording_sink_sums_by_dimension() -> None:
    sink = RecordingSink()
    sink.emit("TrackLoads", 1, Source="youtube")
    sink.emit("TrackLoads", 2, Source="youtube")
    sink.emit("TrackLoads", 1, Source="soundcloud")
    assert sink.total("TrackLoads", Source="youtube") == 3
    assert sink.total("TrackLoads") == 4


@pytest.mark.parametrize("sink", [NullSink(), RecordingSink()])
def test_unknown_names_and_dimensions_are_refused(sink: NullSink | RecordingSink) -> None:
    with pytest.raises(UnknownMetricError, match="not in"):
        sink.emit("TrackLoad", 1, Source="youtube")
    with pytest.raises(UnknownMetricError, match="Source"):
        sink.emit("TrackLoads", 1)
    with pytest.raises(UnknownMetricError, match="dimensions"):
        sink.emit("ExpiredCommands", 1, Node="a")


def test_every_metric_has_the_service_dimension_and_a_description() -> None:
    for spec in METRICS.values():
        assert spec.dimensions[0] == "Service", spec.name
        assert spec.description, spec.name
