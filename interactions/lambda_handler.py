"""AWS Lambda entry point: the front through Mangum, built once per container.

Powertools Logger (JSON, correlation id = interaction id) and Metrics (EMF, with the cold-start
metric) are set up here. Powertools Tracer is deliberately not loaded: the X-Ray SDK adds about
400 ms to a cold start, and Lambda's active tracing already records the invocation.

Lambda runs :class:`~interactions.asgi.InteractionsEndpoint`, not the FastAPI app: Discord's
interactions take the raw-ASGI hot path, and FastAPI is imported and built only when another path
(health, later the billing API) is first requested. The core (and its queue client, itself built on
first use) is built on the first invocation and reused by every warm invocation of the container.
"""

from __future__ import annotations

import warnings
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from mangum import Mangum

from encore.metrics import NAMESPACE
from encore.settings import load_settings
from interactions.asgi import ASGIApp, InteractionsEndpoint
from interactions.bootstrap import build_core
from interactions.telemetry import PowertoolsTelemetry

__all__ = ["build_endpoint", "handler"]

# A request that is not an interaction (GET /health) has no metrics: that is expected, not a problem.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
logger = Logger(service="encore-front")
metrics = Metrics(namespace=NAMESPACE, service="encore-front")
_adapter: Mangum | None = None


def build_endpoint() -> InteractionsEndpoint:
    copy_config_to_registered_loggers(source_logger=logger, include={"interactions", "encore"})
    core = build_core(load_settings(), telemetry=PowertoolsTelemetry(metrics, logger))

    def full_app() -> ASGIApp:
        from interactions.app import create_app

        return create_app(core)

    return InteractionsEndpoint(core, full_app)


@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _adapter  # the per-container cache is the point of this module
    if _adapter is None:
        _adapter = Mangum(build_endpoint(), lifespan="off")
    result: dict[str, Any] = _adapter(event, context)
    return result
