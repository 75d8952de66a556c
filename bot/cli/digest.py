"""``dateline digest [--date D]``: what a digest would hold on a day, offline."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime

from bot.archive.outlets import parse_outlets
from bot.cli.common import add_common_arguments, open_app, plural
from bot.dates import parse_day
from bot.digest.plan import Digest, DigestOptions, plan_digest
from bot.errors import BadDate


def today() -> date:
    """Today where the command runs: what someone at this terminal means by today."""
    return datetime.now().astimezone().date()


def _day(text: str) -> date:
    try:
        return parse_day(text, today())
    except BadDate as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None


def register(commands: argparse._SubParsersAction) -> None:
    digest = commands.add_parser(
        "digest",
        help="show what the 'on this date' digest holds for a day",
        description="The archive's stories from this month and day in earlier years, grouped "
        "by year, as a digest would post them (every one, none left out).",
    )
    digest.add_argument(
        "--date", type=_day, metavar="D", help="the day: YYYY-MM-DD or MM-DD (default today)"
    )
    digest.add_argument("--json", action="store_true", help="print one JSON object")
    digest.add_argument(
        "--empty",
        choices=["skip", "nearest"],
        help="a day with nothing: skip it, or show the nearest day that has something "
        "(default: digest.empty)",
    )
    digest.add_argument(
        "--source", action="append", metavar="S", help="only this outlet; repeatable"
    )
    add_common_arguments(digest)
    digest.set_defaults(handler=run_digest)


def as_json(day: date, digest: Digest | None) -> dict:
    """Every selected id, and the same ids grouped by year (newest first)."""
    if digest is None:
        return {
            "date": day.isoformat(),
            "shown_date": None,
            "skipped": True,
            "ids": [],
            "years": [],
        }
    return {
        "date": day.isoformat(),
        "shown_date": digest.day.isoformat(),
        "skipped": False,
        "ids": [a.id for a in digest.selected],
        "years": [
            {
                "year": group.year,
                "years_ago": group.years_ago,
                "ids": [a.id for a in group.articles],
            }
            for group in digest.groups
        ],
    }


def run_digest(args: argparse.Namespace) -> int:
    day = args.date or today()
    app = open_app(args)
    archive = app.archive.current
    archive.require_articles()
    options = DigestOptions(
        min_items=1,
        max_items=None,  # offline: every selected article, nothing summarised
        # An outlet the archive lacks is refused with the closest one, as search does.
        sources=parse_outlets(",".join(args.source or ()), archive.index.sources),
        empty=args.empty or app.settings.digest.empty,
    )
    digest = plan_digest(archive.calendar, day, options)
    if args.json:
        print(json.dumps(as_json(day, digest), ensure_ascii=False))
        return 0
    if digest is None:
        print(f"{day:%d %B}: nothing on file for this day in earlier years; the day is skipped.")
        return 0
    note = (
        f" (showing {digest.day:%m-%d}, the nearest day with articles)"
        if digest.substituted
        else ""
    )
    print(f"On this day, {day:%d %B}{note}: {plural(digest.total, 'article')}")
    for group in digest.groups:
        print(f"\n{group.label} · {group.year}")
        for article in group.articles:
            print(f"  {article.id}  {article.source}: {article.title}")
    return 0
