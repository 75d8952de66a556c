"""Search quality and speed: Dateline against the engines a user would pick instead.

Runs every engine on the same articles and the same known-item queries, each in
a fresh process (so peak memory is its own), and prints one table:

    python bench/search_bench.py                       # 34k Reuters articles
    python bench/search_bench.py --corpus /tmp/reuters-all.jsonl   # 105k

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
ENGINES = ("dateline", "tantivy-fuzzy", "sqlite-fts5", "rapidfuzz-scan")
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


def build_dateline(articles: Sequence[Article]) -> Searcher:
    from bot.search.index import SearchIndex

    index = SearchIndex.build(articles)
    return lambda query: [hit.article.id for hit in index.search(query, limit=10)]


def build_tantivy(articles: Sequence[Article]) -> Searcher:
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


def build_fts5(articles: Sequence[Article]) -> Searcher:
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


def build_rapidfuzz(articles: Sequence[Article]) -> Searcher:
    from rapidfuzz import fuzz, process, utils

    choices = [utils.default_process(f"{a.title} {a.body[:300]}") for a in articles]
    ids = [a.id for a in articles]

    def search(query: str) -> list[str]:
        found = process.extract(
            utils.default_process(query), choices, scorer=fuzz.WRatio, limit=10, processor=None
        )
        return [ids[index] for _, _, index in found]

    return search


BUILDERS: dict[str, Callable[[Sequence[Article]], Searcher]] = {
    "dateline": build_dateline,
    "tantivy-fuzzy": build_tantivy,
    "sqlite-fts5": build_fts5,
    "rapidfuzz-scan": build_rapidfuzz,
}


# --- one engine in this process ---


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def run_engine(engine: str, corpus: Path, queries_path: Path, max_queries: int | None) -> dict:
    report = load_archive([corpus], UTC, progress=False)
    aliases = report.aliases
    articles = report.articles
    queries = [json.loads(line) for line in queries_path.read_text().splitlines() if line.strip()]
    limit = SLOW_ENGINE_QUERIES.get(engine, max_queries) if max_queries is None else max_queries
    queries = queries[:limit] if limit else queries
    loaded_mb = rss_mb()
    started = time.perf_counter()
    search = BUILDERS[engine](articles)
    build_s = time.perf_counter() - started

    times: list[float] = []
    ranks: list[int | None] = []
    kinds: dict[str, list[int]] = {}
    for query in queries:
        target = aliases.get(query["target"], query["target"])
        began = time.perf_counter()
        found = search(query["query"])
        times.append((time.perf_counter() - began) * 1000)
        rank = found.index(target) + 1 if target in found else None
        ranks.append(rank)
        kinds.setdefault(query.get("kind", "all"), []).append(rank == 1)
    result = {
        "engine": engine,
        "articles": len(articles),
        "queries": len(queries),
        "recall@1": sum(r == 1 for r in ranks) / len(ranks),
        "recall@10": sum(r is not None for r in ranks) / len(ranks),
        "mrr@10": sum(1 / r for r in ranks if r) / len(ranks),
        "p50_ms": percentile(times, 50),
        "p99_ms": percentile(times, 99),
        "build_s": build_s,
        "peak_rss_mb": peak_mb(),
        "index_rss_mb": peak_mb() - loaded_mb,
        "kinds": {kind: sum(v) / len(v) for kind, v in sorted(kinds.items())},
    }
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
    """Recall of a ranker that knows each query's meant words but nothing else.

    It reads the answer: every query word is taken to mean the closest word
    (by OSA distance) of the target's title, or of its title and body for
    queries made from body words, and the ranker picks at random among the
    articles holding all those words in the same place. Its expected
    recall@1 shows how much of a known-item set is ambiguous however well
    typos are read: a short query of common headline words fits many stories.
    """
    from rapidfuzz.distance import OSA

    from bot.archive.text import tokenize
    from bot.search.index import SearchIndex

    report = load_archive([corpus], UTC, progress=False)
    index = SearchIndex.build(report.articles, report.aliases)
    postings = index.postings
    queries = [json.loads(line) for line in queries_path.read_text().splitlines() if line.strip()]
    at_1 = at_10 = 0.0
    for query in queries:
        target = index.get(query["target"])
        if target is None:
            continue
        in_title = query.get("kind", "").startswith(("title", "two"))
        words = set(tokenize(target.title))
        offsets, docs = postings.title_offsets, postings.title_docs
        if not in_title:
            words |= set(tokenize(target.body))
            offsets, docs = postings.offsets, postings.docs
        fits = None
        for word in tokenize(query["query"]):
            meant = postings.term_id(min(words, key=lambda w: OSA.distance(word, w)))
            these = docs[offsets[meant] : offsets[meant + 1]]
            fits = these if fits is None else np.intersect1d(fits, these)
        if fits is not None and len(fits):
            at_1 += 1 / len(fits)
            at_10 += min(1.0, 10 / len(fits))
    return {"recall@1": at_1 / len(queries), "recall@10": at_10 / len(queries)}


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
    done = subprocess.run([*command, *extra], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{extra}: failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_table(results: list[dict]) -> None:
    header = (
        "| engine | articles | queries | recall@1 | recall@10 | MRR@10 "
        "| p50 ms | p99 ms | build s | peak RSS MB |"
    )
    print(header)
    print("|" + " --- |" * (header.count("|") - 1))
    for r in results:
        print(
            f"| {r['engine']} | {r['articles']} | {r['queries']} | {r['recall@1']:.3f} "
            f"| {r['recall@10']:.3f} | {r['mrr@10']:.3f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} "
            f"| {r['build_s']:.1f} | {r['peak_rss_mb']:.0f} |"
        )
    kinds = sorted({k for r in results for k in r["kinds"]})
    print("\nrecall@1 by query kind\n")
    print("| engine | " + " | ".join(kinds) + " |")
    print("| --- |" + " --- |" * len(kinds))
    for r in results:
        print(
            f"| {r['engine']} | " + " | ".join(f"{r['kinds'].get(k, 0):.3f}" for k in kinds) + " |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--max-queries", type=int, default=None, help="for every engine")
    parser.add_argument("--only", help=argparse.SUPPRESS)
    parser.add_argument("--warm", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reference", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

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
    print_table(results)
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
    reference = child(args, "--reference")
    print(
        f"\nreference: knowing which word each query meant and picking at random among the "
        f"articles that hold them all (in the title for title queries), recall@1 would be "
        f"{reference['recall@1']:.3f} and recall@10 {reference['recall@10']:.3f}"
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
