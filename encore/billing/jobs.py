"""The scheduled billing job: expire ended trials and subscriptions, renew the due ones, close past
usage periods (:meth:`BillingService.run_scheduled`), then post the usage warnings still pending in
each guild's announce channel through Discord's REST API.

Runs every 5 minutes as a Lambda (``encore.billing.jobs.handler``, EventBridge Scheduler) and on
demand as ``encore billing-jobs``. Each run is idempotent: a subscription already advanced is not
advanced again, and a warning is marked sent only once Discord took it (a failed post stays pending
for the next run). Without ``DISCORD_BOT_TOKEN`` the warnings are left pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import SQLAlchemyError

from encore.billing.runtime import open_billing
from encore.billing.service import BillingService
from encore.billing.views import ScheduledRunReport
from encore.db.database import DatabaseUnavailableError
from encore.metrics import MetricsSink
from encore.settings import Settings, load_settings
from encore.usage_warnings import DiscordRestPoster, UsageWarningSender

__all__ = ["JobsReport", "handler", "run_billing_jobs", "run_jobs"]

log = logging.getLogger(__name__)


class JobsReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    scheduled: ScheduledRunReport
    warnings_posted: int
    #: warnings were left for the next run (no bot token, or Discord did not take them)
    warnings_pending: bool


async def run_jobs(
    billing: BillingService,
    now: datetime,
    *,
    session: aiohttp.ClientSession | None,
    api_base: str,
    bot_token: str | None,
) -> JobsReport:
    """One run on ``billing``: the scheduled changes at ``now``, then the pending warnings."""
    scheduled = await billing.run_scheduled(now)
    if bot_token is None or session is None:
        return JobsReport(scheduled=scheduled, warnings_posted=0, warnings_pending=True)

    async def language(guild_id: int) -> str | None:
        return (await billing.get_settings(guild_id)).language

    send = UsageWarningSender(DiscordRestPoster(session, api_base, bot_token), language)
    posted = await billing.deliver_usage_warnings(send)
    left = len(await billing.pending_usage_warnings())
    if left:
        log.warning("%d usage warning(s) could not be posted: left pending for the next run", left)
    return JobsReport(scheduled=scheduled, warnings_posted=posted, warnings_pending=left > 0)


async def run_billing_jobs(
    settings: Settings,
    *,
    clock: Callable[[], datetime] | None = None,
    metrics: MetricsSink | None = None,
) -> JobsReport:
    """One run against the configured database (the embedded SQLite default is migrated first); an
    unreachable database raises :class:`DatabaseUnavailableError`."""
    now = clock or (lambda: datetime.now(UTC))
    opened = await open_billing(settings, clock=now, metrics=metrics)
    token = settings.discord_bot_token.get_secret_value() if settings.discord_bot_token else None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            return await run_jobs(
                opened.service, now(), session=session, api_base=settings.discord_api_base, bot_token=token
            )
    except (OSError, SQLAlchemyError) as exc:
        raise DatabaseUnavailableError(settings.database_url, exc) from exc
    finally:
        await opened.close()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The Lambda entry point (EventBridge Scheduler); the report is the function's result."""
    from encore.metrics_emf import PowertoolsSink

    settings = load_settings()
    logging.getLogger().setLevel(settings.encore_log_level)
    report = asyncio.run(run_billing_jobs(settings, metrics=PowertoolsSink("billing")))
    log.info("billing jobs: %s", report.model_dump_json())
    return report.model_dump(mode="json")
