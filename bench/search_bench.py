"""Search quality and speed: Dateline against the engines a user would pick instead.

Runs every engine on the same articles and two query sets, each engine in a
fresh process (so peak memory is its own), and prints a table per set: the dev
set's known-item keyword queries, and a natural set generated from the corpus
(``bench/natural_queries.py``: requests, questions, remembered years and names
spelt by ear). A hit on any version of the target's story (a re-filing, or an
exact duplicate's kept twin) counts, for every engine alike; next to each
engine is the set's ceiling, what a ranker told which words each query meant
would expect picking at random among the stories holding them all:

    python bench/search_bench.py                       # 34k Reuters articles
    python bench/search_bench.py --corpus /tmp/reuters-all.jsonl   # 105k
    python bench/search_bench.py --natural-seed 99 --natural-count 1000   # another natural set

Baselines: ``rapidfuzz-scan`` (process.extract with WRatio over title and the
first 300 characters of body), ``sqlite-fts5`` (BM25, unicode61 remove_diacritics 2,
title weighted 3) and ``tantivy-fuzzy`` (one fuzzy term query per word: distance 1
from 5 letters, 2 from 9, transpositions cost one; title boosted 2). Needs
``pip install -e '.[bench]'`` for tantivy.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC
from pathlib import Path

import numpy as np

from bot.archive import Article, load_archive

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "reuters-2006-2013.jsonl"
DEFAULT_QUERIES = HERE.parent.parent / "shared" / "queries" / "dev.jsonl"
ENGINES = ("dateline", "dateline-ungrouped", "tantivy-fuzzy", "sqlite-fts5", "rapidfuzz-scan")
NATURAL_QUERIES = 600
NATURAL_SEED = 14
SLOW_ENGINE_QUERIES = {"rapidfuzz-scan": 100}  # about a second a query: a sample suffices
WORD = re.compile(r"\w+")

Searcher = Callable[[str], list[str]]


def rss_mb() -> float:
    """Current resident memory (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- engines: each builds from articles and returns a function query -> ranked ids ---


def build_dateline(articles: Sequence[Article], twins: dict[str, str]) -> Searcher:
    from bot.search.index import SearchIndex

    index = SearchIndex.build(articles, twins=twins)
    return lambda query: [hit.article.id for hit in index.search(query, limit=10)]


def build_dateline_ungrouped(articles: Sequence[Article], twins: dict[str, str]) -> Searcher:
    """Dateline listing every version: what grouping stories costs, in the same run."""
    from bot.search.index import SearchIndex

    index = SearchIndex.build(articles, twins=twins)
    index._one_per_story = lambda ranked, limit: ranked(limit)  # type: ignore[method-assign]
    return lambda query: [hit.article.id for hit in index.search(query, limit=10)]


def build_tantivy(articles: Sequence[Article], twins: dict[str, str]) -> Searcher:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("title")
    builder.add_text_field("body")
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=256_000_000)
    for article in articles:
        writer.add_document(tantivy.Document(id=article.id, title=article.title, body=article.body))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()

    def search(query: str) -> list[str]:
        clauses = []
        for word in WORD.findall(query.lower()):
            distance = 2 if len(word) >= 9 else 1 if len(word) >= 5 else 0
            for field, boost in (("title", 2.0), ("body", 1.0)):
                term = tantivy.Query.fuzzy_term_query(schema, field, word, distance, True)
                clauses.append((tantivy.Occur.Should, tantivy.Query.boost_query(term, boost)))
        if not clauses:
            return []
        hits = searcher.search(tantivy.Query.boolean_query(clauses), 10).hits
        return [searcher.doc(address)["id"][0] for _, address in hits]

    return search


def build_fts5(articles: Sequence[Article], twins: dict[str, str]) -> Searcher:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.executemany(
        "INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
        ((n, a.title, a.body) for n, a in enumerate(articles)),
    )
    db.commit()
    ids = [a.id for a in articles]

    def search(query: str) -> list[str]:
        words = WORD.findall(query)
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', "") + '"' for w in words)
        rows = db.execute(
            "SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs, 3.0, 1.0) LIMIT 10",
            (match,),
        )
        return [ids[row[0]] for row in rows]

    return search


def build_rapidfuzz(articles: Sequence[Article], twins: dict[str, str]) -> Searcher:
    from rapidfuzz import fuzz, process, utils

    choices = [utils.default_process(f"{a.title} {a.body[:300]}") for a in articles]
    ids = [a.id for a in articles]

    def search(query: str) -> list[str]:
        found = process.extract(
            utils.default_process(query), choices, scorer=fuzz.WRatio, limit=10, processor=None
        )
        return [ids[index] for _, _, index in found]

    return search


BUILDERS: dict[str, Callable[[Sequence[Article], dict[str, str]], Searcher]] = {
    "dateline": build_dateline,
    "dateline-ungrouped": build_dateline_ungrouped,
    "tantivy-fuzzy": build_tantivy,
    "sqlite-fts5": build_fts5,
    "rapidfuzz-scan": build_rapidfuzz,
}


# --- one engine in this process ---


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def query_sets(report, queries_path: Path) -> dict[str, list[dict]]:
    """The dev set from its file and the natural set generated from the loaded articles."""
    from natural_queries import generate

    dev = [json.loads(line) for line in queries_path.read_text().splitlines() if line.strip()]
    return {"dev": dev, "natural": generate(report.articles, NATURAL_QUERIES, NATURAL_SEED)}


def stories_of(report) -> Callable[[str], int]:
    """Article id -> its story (as Dateline groups them); a dropped copy's id -> its twin's."""
    from bot.search.stories import story_groups

    groups = story_groups(report.articles, report.twins)
    position = {a.id: n for n, a in enumerate(report.articles)}
    return lambda article_id: int(
        groups[position.get(report.aliases.get(article_id, article_id), 0)]
    )


def run_engine(engine: str, corpus: Path, queries_path: Path, max_queries: int | None) -> dict:
    report = load_archive([corpus], UTC, progress=False)
    articles = report.articles
    sets = query_sets(report, queries_path)
    story = stories_of(report)
    limit = SLOW_ENGINE_QUERIES.get(engine, max_queries) if max_queries is None else max_queries
    loaded_mb = rss_mb()
    started = time.perf_counter()
    search = BUILDERS[engine](articles, report.twins)
    build_s = time.perf_counter() - started

    result: dict = {"engine": engine, "articles": len(articles), "build_s": build_s, "sets": {}}
    for name, queries in sets.items():
        queries = queries[:limit] if limit else queries
        times: list[float] = []
        ranks: list[int | None] = []
        kinds: dict[str, list[int]] = {}
        for query in queries:
            target = story(query["target"])
            began = time.perf_counter()
            found = search(query["query"])
            times.append((time.perf_counter() - began) * 1000)
            stories = [story(found_id) for found_id in found]
            rank = stories.index(target) + 1 if target in stories else None
            ranks.append(rank)
            kinds.setdefault(query.get("kind", "all"), []).append(rank == 1)
        result["sets"][name] = {
            "queries": len(queries),
            "recall@1": sum(r == 1 for r in ranks) / len(ranks),
            "recall@10": sum(r is not None for r in ranks) / len(ranks),
            "mrr@10": sum(1 / r for r in ranks if r) / len(ranks),
            "p50_ms": percentile(times, 50),
            "p99_ms": percentile(times, 99),
            "kinds": {kind: sum(v) / len(v) for kind, v in sorted(kinds.items())},
        }
    result |= {"peak_rss_mb": peak_mb(), "index_rss_mb": peak_mb() - loaded_mb}
    if engine == "dateline":
        result |= measure_autocomplete(articles)
    return result


def measure_autocomplete(articles: Sequence[Article]) -> dict:
    """Autocomplete latency over partial titles, as a user types them."""
    from bot.search.index import SearchIndex

    index = SearchIndex.build(articles)
    rng = np.random.default_rng(7)
    times = []
    for position in rng.choice(len(articles), size=min(500, len(articles)), replace=False):
        title = articles[int(position)].title
        cut = int(rng.integers(3, max(4, len(title))))
        began = time.perf_counter()
        index.autocomplete(title[:cut])
        times.append((time.perf_counter() - began) * 1000)
    return {
        "autocomplete_p50_ms": percentile(times, 50),
        "autocomplete_p99_ms": percentile(times, 99),
    }


def equal_fit_reference(corpus: Path, queries_path: Path) -> dict:
    """Each set's ceiling: a ranker that knows each query's meant words but nothing else.

    It reads the answer. For a dev query every word is taken to mean the
    closest word (by OSA distance) of the target's title, or of its title and
    body for queries made from body words; for a natural query the meant words
    are its subject as the archive spells it (a remembered year also keeps
    only that year's articles). The ranker picks at random among the stories
    holding all those words in the same place, so its expected recall@1 shows
    how much of a set is ambiguous however well queries are read.
    """
    from rapidfuzz.distance import OSA

    from bot.archive.text import tokenize
    from bot.search.index import SearchIndex

    report = load_archive([corpus], UTC, progress=False)
    index = SearchIndex.build(report.articles, report.aliases, report.twins)
    lexicon = index.lexicon
    years = np.fromiter((a.calendar_date.year for a in index.articles), np.int32)
    result = {}
    for name, queries in query_sets(report, queries_path).items():
        at_1 = at_10 = 0.0
        for query in queries:
            target = index.get(query["target"])
            if target is None:
                continue
            natural = "subject" in query
            in_title = natural or query.get("kind", "").startswith(("title", "two"))
            words = set(tokenize(target.title))
            if not in_title:
                words |= set(tokenize(target.body))
            meant = (
                query["subject"]
                if natural
                else [
                    min(words, key=lambda w, typed=typed: OSA.distance(typed, w))
                    for typed in tokenize(query["query"])
                ]
            )
            fits = None
            for word in meant:
                term = lexicon.term_id(word)
                these = (
                    lexicon.docs_of(term, title_only=in_title)
                    if term is not None
                    else np.zeros(0, np.int32)
                )
                fits = these if fits is None else np.intersect1d(fits, these)
            if fits is not None and query.get("kind") == "year":
                fits = fits[years[fits] == target.calendar_date.year]
            stories = len(np.unique(index.groups[fits])) if fits is not None else 0
            if stories:
                at_1 += 1 / stories
                at_10 += min(1.0, 10 / stories)
        result[name] = {"recall@1": at_1 / len(queries), "recall@10": at_10 / len(queries)}
    return result


def warm_start(corpus: Path, cache_dir: Path) -> dict:
    """Time to open the index from its cache in a fresh process (the cache already exists)."""
    from bot.snapshot import open_snapshot

    began = time.perf_counter()
    opened = open_snapshot([corpus], UTC, cache_dir, progress=False)
    took = time.perf_counter() - began
    return {"warm_start_s": took, "from_cache": opened.from_cache, "peak_rss_mb": peak_mb()}


# --- the parent: one child process per engine, one table ---


def child(args: argparse.Namespace, *extra: str) -> dict:
    command = [
        sys.executable,
        __file__,
        "--corpus",
        str(args.corpus),
        "--queries",
        str(args.queries),
    ]
    if args.max_queries is not None:
        command += ["--max-queries", str(args.max_queries)]
    command += [
        "--natural-seed",
        str(args.natural_seed),
        "--natural-count",
        str(args.natural_count),
    ]
    done = subprocess.run([*command, *extra], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{extra}: failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_table(results: list[dict], ceilings: dict) -> None:
    for name in results[0]["sets"]:
        ceiling = ceilings[name]
        print(f"\n{name} queries\n")
        header = (
            "| engine | queries | recall@1 | recall@10 | MRR@10 | ceiling r@1 / r@10 "
            "| p50 ms | p99 ms | build s | peak RSS MB |"
        )
        print(header)
        print("|" + " --- |" * (header.count("|") - 1))
        for r in results:
            q = r["sets"][name]
            print(
                f"| {r['engine']} | {q['queries']} | {q['recall@1']:.3f} | {q['recall@10']:.3f} "
                f"| {q['mrr@10']:.3f} | {ceiling['recall@1']:.3f} / {ceiling['recall@10']:.3f} "
                f"| {q['p50_ms']:.2f} | {q['p99_ms']:.2f} | {r['build_s']:.1f} "
                f"| {r['peak_rss_mb']:.0f} |"
            )
        kinds = sorted({k for r in results for k in r["sets"][name]["kinds"]})
        print(f"\n{name}: recall@1 by query kind\n")
        print("| engine | " + " | ".join(kinds) + " |")
        print("| --- |" + " --- |" * len(kinds))
        for r in results:
            shares = r["sets"][name]["kinds"]
            cells = " | ".join(f"{shares.get(k, 0):.3f}" for k in kinds)
            print(f"| {r['engine']} | {cells} |")


def main() -> None:
    global NATURAL_SEED, NATURAL_QUERIES  # read by query_sets, in this process and children
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--max-queries", type=int, default=None, help="for every engine")
    parser.add_argument(
        "--natural-seed", type=int, default=NATURAL_SEED, help="another natural set (held out)"
    )
    parser.add_argument("--natural-count", type=int, default=NATURAL_QUERIES)
    parser.add_argument("--only", help=argparse.SUPPRESS)
    parser.add_argument("--warm", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    NATURAL_SEED, NATURAL_QUERIES = args.natural_seed, args.natural_count

    if args.reference:
        print(json.dumps(equal_fit_reference(args.corpus, args.queries)))
        return

    if args.warm:
        print(json.dumps(warm_start(args.corpus, args.warm)))
        return
    if args.only:
        print(json.dumps(run_engine(args.only, args.corpus, args.queries, args.max_queries)))
        return

    results = []
    for engine in args.engines.split(","):
        print(f"running {engine} ...", file=sys.stderr, flush=True)
        results.append(child(args, "--only", engine))
    reference = child(args, "--reference")
    print(f"{results[0]['articles']} articles")
    print_table(results, reference)
    ours = next((r for r in results if r["engine"] == "dateline"), None)
    if ours:
        with tempfile.TemporaryDirectory() as cache:
            child(args, "--warm", cache)  # builds and writes the cache
            warm = child(args, "--warm", cache)
        print(
            f"\ndateline autocomplete p50 {ours['autocomplete_p50_ms']:.2f} ms, "
            f"p99 {ours['autocomplete_p99_ms']:.2f} ms; warm start from cache "
            f"{warm['warm_start_s']:.2f} s (peak RSS {warm['peak_rss_mb']:.0f} MB)"
        )
    slow = [
        f"{e} ran {n} queries"
        for e, n in SLOW_ENGINE_QUERIES.items()
        if args.max_queries is None and e in args.engines.split(",")
    ]
    if slow:
        print("\nnote: " + "; ".join(slow) + " (each query scans every article)")


if __name__ == "__main__":
    main()
