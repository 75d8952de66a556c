"""Write a JSONL corpus several times over, as one bigger archive for scale runs.

Each copy's ids get a suffix and its bodies a one-line preface, so the loader
keeps every copy (it drops exact duplicates): the vocabulary stays the
corpus's own, the postings grow with the copies.

    python bench/replicate_corpus.py --copies 10 --out /tmp/reuters-1m.jsonl
    python bench/search_bench.py --corpus /tmp/reuters-1m.jsonl --engines dateline,tantivy-fuzzy
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/reuters-all.jsonl"))
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    written = 0
    with args.out.open("w", encoding="utf-8") as out:
        for copy in range(args.copies):
            with args.corpus.open(encoding="utf-8") as source:
                for line in source:
                    record = json.loads(line)
                    record["id"] = f"{record['id']}-{copy}"
                    record["body"] = f"Edition {copy}. {record['body']}"
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
                    written += 1
    print(f"{written:,} articles -> {args.out}")


if __name__ == "__main__":
    main()
