"""``dateline index`` and ``stats``: build the index cache, describe the archive."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.common import add_common_arguments, open_archive, plural, report_problems
from bot.search.merge import MergePolicy
from bot.snapshot import merged_on_disk


def register(commands: argparse._SubParsersAction) -> None:
    index = commands.add_parser(
        "index", help="read the archive and build its search index now (run caches it too)"
    )
    index.add_argument(
        "--rebuild", action="store_true", help="ignore the cache and index the whole archive"
    )
    index.add_argument("--strict", action="store_true", help="fail if the archive has problems")
    add_common_arguments(index)
    index.set_defaults(handler=run_index)

    stats = commands.add_parser(
        "stats", help="how many articles, from which dates and outlets, and how many a year"
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    add_common_arguments(stats)
    stats.set_defaults(handler=run_stats)


def run_index(args: argparse.Namespace) -> int:
    settings, loaded = open_archive(args, rebuild=args.rebuild)
    search = settings.search
    # Updates add segments: merge them now, as the bot would at its next start.
    archive, before = merged_on_disk(
        loaded, MergePolicy.from_settings(search), Path(search.cache_dir)
    )
    report_problems(archive.problems)
    how = "loaded from cache" if archive.from_cache else "built"
    update = archive.update  # only the archive's changes were read: what they were
    after = len(archive.index.segments)
    if after != before:  # "..., 11 segments merged into 2", in place of "..., 11 segments"
        merges = f"{before} segments merged into {plural(after, 'segment')}"
        counted = f", {plural(before, 'segment')}"
        update = f"{update.removesuffix(counted)}, {merges}" if update else merges
    if archive.update:
        how = "updated"
    if update:
        how = f"{how} ({update})"
    notes = sum(p.is_note for p in archive.problems)
    problems = len(archive.problems) - notes
    print(
        f"Index {how}: {plural(len(archive.index.articles), 'article')}, "
        f"{plural(problems, 'problem')}, {plural(notes, 'note')} (exact duplicates, kept once)."
    )
    return 1 if args.strict and archive.problems else 0


def run_stats(args: argparse.Namespace) -> int:
    _, archive = open_archive(args)
    if not archive.index.articles:  # still a report, but say why it is empty
        print(f"dateline: the archive has no articles ({archive.why_empty()})", file=sys.stderr)
    stats = archive.index.stats()
    if args.json:
        print(json.dumps(stats.as_json(), indent=2, ensure_ascii=False))
        return 0
    print(f"Articles: {stats.count:,}")
    print(f"Dates:    {stats.first} to {stats.last}" if stats.first else "Dates:    none")
    print("Sources:  " + (", ".join(f"{name} ({n})" for name, n in stats.sources) or "none"))
    for year, n in stats.per_year:
        print(f"  {year}: {n}")
    return 0
