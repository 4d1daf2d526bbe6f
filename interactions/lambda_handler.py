"""AWS Lambda entry point: the front through Mangum, built once per container.

Powertools Logger (JSON, correlation id = interaction id) and Metrics (EMF, with the cold-start
metric) are set up here. Powertools Tracer is deliberately not loaded: the X-Ray SDK adds about
400 ms to a cold start, and Lambda's active tracing already records the invocation.

Lambda runs :class:`~interactions.asgi.InteractionsEndpoint`, not the FastAPI app: Discord's
interactions take the raw-ASGI hot path, and FastAPI is imported and built only when another path
(health, the billing API, webhook events) is first requested; the billing database only when a
request first needs it. The core (and its queue client, itself built on
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
# No ``service=``: Powertools would add a ``service`` dimension that encore.metrics (and so the
# dashboards and alarms, which match a metric by its exact dimensions) does not declare.
metrics = Metrics(namespace=NAMESPACE)
_adapter: Mangum | None = None


def build_endpoint() -> InteractionsEndpoint:
    copy_config_to_registered_loggers(source_logger=logger, include={"interactions", "encore"})
    settings = load_settings()
    core = build_core(settings, telemetry=PowertoolsTelemetry(metrics, logger))

    def full_app() -> ASGIApp:
        from encore.metrics_emf import PowertoolsSink
        from interactions.api.wiring import build_api_services
        from interactions.app import create_app

        api = build_api_services(
            settings,
            core.verifier,
            billing=core.services.billing,
            api_sink=PowertoolsSink("billing"),
            webhook_sink=PowertoolsSink("front"),
        )
        return create_app(core, settings, api)

    return InteractionsEndpoint(core, full_app)


@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _adapter  # the per-container cache is the point of this module
    if _adapter is None:
        _adapter = Mangum(build_endpoint(), lifespan="off")
    result: dict[str, Any] = _adapter(event, context)
    return result
