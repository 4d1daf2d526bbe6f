"""Usage periods and warning thresholds (pure).

A usage period is the calendar month in UTC. A guild is warned once per period, metric and
threshold when its use reaches 80% and again at 100% of its tier's allowance.
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["THRESHOLDS", "crossed", "percent", "period_of"]

THRESHOLDS = (80, 100)


def period_of(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the calendar month (UTC) that contains ``now``."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end


def percent(used: int, limit: int) -> int:
    """Whole percent used (rounded down); a zero allowance is 100% used."""
    if limit <= 0:
        return 100
    return used * 100 // limit


def crossed(used: int, limit: int) -> list[int]:
    """The thresholds ``used`` has reached (each is recorded once per period by the database)."""
    return [t for t in THRESHOLDS if used * 100 >= t * limit]
