"""When a subscription's digest is due, in its own timezone, across DST changes.

A local time that a spring-forward skips (02:30 in Berlin on the last Sunday of
March) is read with the offset in force before the jump, the same instant
APScheduler fires at; a fall-back repeats 02:30, and the delivery log (keyed on
the local date) absorbs the second firing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.errors import BadTime


def parse_local_time(text: str) -> str:
    """``"9:05"`` -> ``"09:05"``; BadTime for anything that is not a 24-hour HH:MM."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise BadTime(f"{text.strip()!r} is not a time: use 24-hour HH:MM, e.g. 07:30")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise BadTime(f"{text.strip()!r} is not a time of day: use 00:00 to 23:59")
    return f"{int(hours):02}:{minutes}"


def due_at(local_date: date, local_time: str, zone: ZoneInfo) -> datetime:
    """The instant the digest for ``local_date`` is due."""
    hour, minute = int(local_time[:2]), int(local_time[3:])
    return datetime.combine(local_date, time(hour, minute), tzinfo=zone)


def latest_due_date(now: datetime, local_time: str, zone: ZoneInfo) -> date:
    """The local date of the most recent due time at or before ``now``."""
    today = now.astimezone(zone).date()
    return today if due_at(today, local_time, zone) <= now else today - timedelta(days=1)


def latest_due(now: datetime, local_time: str, zone: ZoneInfo) -> tuple[date, datetime]:
    """The local date and UTC instant of the most recent due time at or before ``now``.

    On a fall-back day the repeated local time's second instant counts once it passed.
    """
    day = latest_due_date(now, local_time, zone)
    first = due_at(day, local_time, zone)
    instants = (first.astimezone(UTC), first.replace(fold=1).astimezone(UTC))
    return day, max(i for i in instants if i <= now)


def trigger(local_time: str, zone: ZoneInfo) -> CronTrigger:
    return CronTrigger(hour=int(local_time[:2]), minute=int(local_time[3:]), timezone=zone)


def next_run(local_time: str, zone: ZoneInfo, now: datetime) -> datetime:
    fire = trigger(local_time, zone).get_next_fire_time(None, now)
    assert fire is not None  # a daily cron trigger always has a next time
    return fire


def delivery_nonce(subscription_id: int, local_date: date) -> str:
    """Deterministic and at most 25 characters, as Discord requires."""
    return f"dl{subscription_id}d{local_date:%Y%m%d}"
