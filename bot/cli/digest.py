"""``dateline digest --date D``: what a digest would hold on a day, offline."""

from __future__ import annotations

import argparse
import json
from datetime import date

from bot.cli.common import add_common_arguments, open_app
from bot.digest.plan import Digest, DigestOptions, plan_digest


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def register(commands: argparse._SubParsersAction) -> None:
    digest = commands.add_parser("digest", help="print the 'on this date' selection for a day")
    digest.add_argument("--date", required=True, type=_day, help="the day, YYYY-MM-DD")
    digest.add_argument("--json", action="store_true", help="print one JSON object")
    digest.add_argument(
        "--empty", choices=["skip", "nearest"], help="when the day has nothing (default: config)"
    )
    digest.add_argument("--source", action="append", help="only this outlet; repeatable")
    add_common_arguments(digest)
    digest.set_defaults(handler=run_digest)


def as_json(day: date, digest: Digest | None) -> dict:
    """Every selected id, and the same ids grouped by year (newest first)."""
    if digest is None:
        return {"date": day.isoformat(), "skipped": True, "ids": [], "years": []}
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
    app = open_app(args)
    options = DigestOptions(
        min_items=1,
        max_items=None,  # offline: every selected article, nothing summarised
        sources=args.source or (),
        empty=args.empty or app.settings.digest.empty,
    )
    digest = plan_digest(app.archive.current.calendar, args.date, options)
    if args.json:
        print(json.dumps(as_json(args.date, digest), ensure_ascii=False))
        return 0
    if digest is None:
        print(f"{args.date}: nothing on file; the day is skipped.")
        return 0
    note = (
        f" (showing {digest.day:%m-%d}, the nearest day with articles)"
        if digest.substituted
        else ""
    )
    print(f"On this day, {args.date:%d %B}{note}: {digest.total} article(s)")
    for group in digest.groups:
        print(f"\n{group.label} · {group.year}")
        for article in group.articles:
            print(f"  {article.id}  {article.source}: {article.title}")
    return 0
