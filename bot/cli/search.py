"""``dateline search``: ranked hits on the terminal, as JSON, or one JSON line per stdin query."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from bot.cli.common import add_common_arguments, open_app, report_problems
from bot.errors import UserFacingError
from bot.search.index import SearchIndex
from bot.search.types import Filters, Hit, Order


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("search", help="search the archive")
    parser.add_argument("query", nargs="?", help="words, typos welcome; quote a phrase")
    parser.add_argument("--limit", type=int, default=None, help="hits to show (default 10)")
    parser.add_argument("--after", metavar="D", help="on or after YYYY-MM-DD, YYYY-MM or YYYY")
    parser.add_argument("--before", metavar="D", help="on or before YYYY-MM-DD, YYYY-MM or YYYY")
    parser.add_argument("--year", metavar="Y", type=int, help="only this year")
    parser.add_argument("--source", metavar="S", help="only this outlet")
    parser.add_argument(
        "--sort",
        choices=[order.value for order in Order],
        default=Order.BEST.value,
        help="best match first (default), or by date among the best-matching articles",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--stdin", action="store_true", help="one query per input line")
    parser.add_argument("--strict", action="store_true", help="fail if the archive has problems")
    add_common_arguments(parser)
    parser.set_defaults(handler=run)


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
    }
    if full:
        result |= {"snippet": hit.snippet, "url": article.url}
    return result


def _timed(index: SearchIndex, query: str, limit: int, filters: Filters | None, order: Order):
    started = time.perf_counter()
    hits = index.search(query, limit=limit, filters=filters, order=order)
    return hits, round((time.perf_counter() - started) * 1000, 3)


def run(args: argparse.Namespace) -> int:
    if not args.stdin and not args.query:
        raise UserFacingError("Give a query, or --stdin to read one per line.")
    filters = filters_from(args)
    app = open_app(args)
    archive = app.archive.current
    if args.strict and archive.problems:
        report_problems(archive.problems)
        return 1
    archive.require_articles()
    limit = args.limit or app.settings.search.default_limit
    if args.stdin:
        for line in sys.stdin:
            query = line.strip()
            if not query:
                continue
            try:
                hits, took = _timed(archive.index, query, limit, filters, Order(args.sort))
            except UserFacingError as exc:
                print(json.dumps({"query": query, "error": str(exc)}), flush=True)
                continue
            results = [_result(h, full=False) for h in hits]
            print(json.dumps({"query": query, "took_ms": took, "results": results}), flush=True)
        return 0
    hits, took = _timed(archive.index, args.query, limit, filters, Order(args.sort))
    if args.json:
        results = [_result(h, full=True) for h in hits]
        print(json.dumps({"query": args.query, "took_ms": took, "results": results}, indent=2))
        return 0
    if not hits:
        print("No articles match.")
    for rank, hit in enumerate(hits, start=1):
        article = hit.article
        heading = f"{article.calendar_date}  {article.source}  {article.title}"
        print(f"{rank:>2}. {heading}  [{article.id}]")
        print(f"    {hit.snippet}")
    return 0
