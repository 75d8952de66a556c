"""``dateline search``: ranked hits on the terminal, as JSON, or one JSON line per stdin query.

On a terminal the matched words are bold (ANSI, where supported); JSON carries
plain text and the matched words as ``highlights``, character offsets into the
snippet, never Discord's markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from bot.cli.args import whole_number
from bot.cli.common import add_common_arguments, open_app, report_problems
from bot.cli.terminal import render, supports_bold
from bot.dates import parse_date_bound
from bot.errors import BadDate, UserFacingError
from bot.markdown import unmark_bold
from bot.search.index import SearchIndex
from bot.search.types import Filters, Hit, Order


def _date_bound(text: str) -> str:
    """Checked when the flags are read, so a typo stops before the archive is loaded."""
    try:
        parse_date_bound(text, end=False)
    except BadDate as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None
    return text


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "search",
        help="search the archive",
        description="Search the archive: every word counts, typos are forgiven, "
        '"quoted words" must appear together. Best matches first.',
    )
    parser.add_argument("query", nargs="?", help="what to look for, e.g. 'morgan stanly 2008'")
    parser.add_argument(
        "--limit", type=whole_number(1, 100), metavar="K", help="how many hits (1-100; default 10)"
    )
    parser.add_argument(
        "--after", metavar="D", type=_date_bound, help="from this date: YYYY-MM-DD, YYYY-MM or YYYY"
    )
    parser.add_argument(
        "--before", metavar="D", type=_date_bound, help="up to this date, the same way"
    )
    parser.add_argument("--year", metavar="Y", type=whole_number(1, 9999), help="only this year")
    parser.add_argument("--source", metavar="S", help="only this outlet, e.g. Reuters")
    parser.add_argument(
        "--sort",
        choices=[order.value for order in Order],
        default=Order.BEST.value,
        help="best (default), or newest/oldest first among the best-matching articles",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for programs")
    parser.add_argument(
        "--stdin", action="store_true", help="read one query a line (with --json: one JSON a line)"
    )
    parser.add_argument(
        "--strict", action="store_true", help="stop if the archive has problems or notes"
    )
    add_common_arguments(parser)
    parser.set_defaults(handler=run, parser=parser)


def filters_from(args: argparse.Namespace) -> Filters | None:
    """The search's filters; None when there are none, so no query pays for a mask."""
    filters = Filters.from_bounds(args.after, args.before, args.source, year=args.year)
    return None if filters == Filters() else filters


def _result(hit: Hit, *, full: bool) -> dict[str, Any]:
    article = hit.article
    result = {
        "id": article.id,
        "score": round(hit.score, 4),
        "date": article.published.isoformat(),
        "source": article.source,
        "title": article.title,
        "versions": list(hit.versions) or [article.id],  # every id of the story, oldest first
    }
    if full:
        snippet, highlights = unmark_bold(hit.snippet)
        result |= {"snippet": snippet, "highlights": highlights, "url": article.url}
    return result


def _timed(
    index: SearchIndex, query: str, limit: int, filters: Filters | None, order: Order
) -> tuple[list[Hit], float]:
    started = time.perf_counter()
    hits = index.search(query, limit=limit, filters=filters, order=order)
    return hits, round((time.perf_counter() - started) * 1000, 3)


def run(args: argparse.Namespace) -> int:
    if not args.stdin and not args.query:
        args.parser.error("give a query, or --stdin to read one a line")
    try:
        filters = filters_from(args)
    except BadDate:  # each bound alone was checked when read: together they exclude all
        flags = (("--after", args.after), ("--before", args.before), ("--year", args.year))
        given = " ".join(f"{flag} {value}" for flag, value in flags if value)
        args.parser.error(f"{given}: no date is within all of them, so nothing can match")
    app = open_app(args)
    archive = app.archive.current
    if args.strict and archive.problems:
        report_problems(archive.problems)
        return 1
    archive.require_articles()
    limit = args.limit or app.settings.search.default_limit
    order = Order(args.sort)
    if not args.stdin:
        hits, took = _timed(archive.index, args.query, limit, filters, order)
        if args.json:
            results = [_result(h, full=True) for h in hits]
            print(json.dumps({"query": args.query, "took_ms": took, "results": results}, indent=2))
        else:
            print_hits(hits, bold=supports_bold(sys.stdout))
        return 0
    for line in sys.stdin:
        query = line.strip()
        if not query:
            continue
        try:
            hits, took = _timed(archive.index, query, limit, filters, order)
        except UserFacingError as exc:
            if args.json:
                print(json.dumps({"query": query, "error": str(exc)}), flush=True)
            else:
                print(f"{query}: {exc}\n", flush=True)
            continue
        if args.json:
            results = [_result(h, full=False) for h in hits]
            print(json.dumps({"query": query, "took_ms": took, "results": results}), flush=True)
        else:
            print(f"{query}:")
            print_hits(hits, bold=supports_bold(sys.stdout))
            print(flush=True)
    return 0


def print_hits(hits: list[Hit], *, bold: bool) -> None:
    if not hits:
        print("No articles match.")
    for rank, hit in enumerate(hits, start=1):
        article = hit.article
        heading = f"{article.calendar_date}  {article.source}  {article.title}"
        print(f"{rank:>2}. {heading}  [{article.id}]")
        if hit.versions:
            others = ", ".join(v for v in hit.versions if v != article.id)
            print(f"    {len(hit.versions)} versions; the others: {others}")
        print(f"    {render(hit.snippet, bold=bold)}")
