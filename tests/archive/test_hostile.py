"""Hostile and unlucky archives: every good record loads, every bad one is one line, none raises.

The corpus is written by a fixture, loaded by the real loader (and by the
index cache, which writes what was loaded to disk), and compared with a table
of what must load and what must be reported where.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.archive import load_archive
from bot.archive.titles import MAX_TITLE
from bot.snapshot import open_snapshot

ROOT = Path(__file__).resolve().parents[2]

DAY = "2020-03-26T12:00:00"
HOSTILE_URL = "https://example.com/a) **[FREE NITRO](https://evil.example)** ("
NESTED = b"[" * 1100 + b"]" * 1100


def record(article_id, body: str = "", **fields) -> dict:
    return {
        "id": article_id,
        "date": DAY,
        "body": body or f"Wire / Story {article_id!r}.",
        **fields,
    }


def line(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def raw(article_id_json: str, extra: str = "") -> bytes:
    """A record written by hand, for JSON ``json.dumps`` would never write."""
    words = "".join(c for c in article_id_json + extra if c.isalnum())
    body = f'"Wire / Story {words}."'  # bodies differ, or they would be one story kept once
    return f'{{"id": {article_id_json}, "date": "{DAY}", "body": {body}{extra}}}'.encode()


# file -> lines (bytes), or CSV rows, or text; with what must load and what must be reported.
@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    jsonl = [
        line(record("good-1", url="https://example.com/1")),  # 1
        NESTED,  # 2 nested past any parser
        raw('"\\ud800"'),  # 3 lone surrogate in the id
        raw('"sur-title"', ', "title": "bad \\udfff"'),  # 4 ... in the title
        raw('["list"]'),  # 5
        raw("true"),  # 6
        raw('{"an": "object"}'),  # 7
        raw("1.5"),  # 8
        raw("NaN"),  # 9
        line(record("zw\u200b\u202eid\u2066")),  # 10 zero-width and bidi characters: a real id
        line(record("big-title", title="T" * 10_000_000)),  # 11
        b"\xef\xbb\xbf" + line(record("after-bom")),  # 12 BOM opening a line mid-file
        b'{"id": "raw-nul", "date": "' + DAY.encode() + b'", "body": "a\x00b"}',  # 13
        line(record("escaped-nul", "Wire / a\u0000b.")),  # 14 a NUL written as \u0000 is text
        line(record("csv-1")),  # 15 this id is also in the CSV export, which comes first
        line(record("hostile-url", url=HOSTILE_URL)),  # 16
        line(record("script-url", url="javascript:alert(1)")),  # 17
        line(record("word-url", url="not a url")),  # 18
        raw('"deep-float"', ', "n": 1.5, "deep": ' + "[" * 1000 + "]" * 1000),  # 19
        b'{"id": "latin1", "date": "2020-01-01", "body": "caf\xe9"}',  # 20
        line(record("two\nlines")),  # 21
        line(record("huge-source", source="S" * 1_000_000)),  # 22
        b"",  # 23 blank
        line(record("good-2")),  # 24
    ]
    (folder / "export.jsonl").write_bytes(b"\n".join(jsonl) + b"\n")
    long_body = "Wire / A long read. " + "word " * 60_000
    rows = [
        ["id", "date", "source", "title", "body", "url"],
        ["csv-1", DAY, "Wire", "T", "Line one.\r\n\r\nLine two, with a comma.", ""],  # 2-4
        ["csv-extra", DAY, "Wire", "T", "Body", "", "surplus"],  # 5
        ["csv-short", DAY, "Wire"],  # 6
        ["csv-long", DAY, "Wire", "Long", long_body, "https://example.com/long"],  # 7
        ["csv-nul", DAY, "Wire", "N", "Null \x00 inside.", ""],  # 8
        ["csv-bad-url", DAY, "Wire", "U", "Body with a bad url.", "ftp://example.com/x"],  # 9
    ]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    (folder / "a-export.csv").write_text(out.getvalue(), encoding="utf-8")
    (folder / "seed.txt").write_text(f"{DAY.replace('T', ' ')}\n\nWire / A seed.\n")
    (folder / "empty.txt").write_bytes(b"")
    Path(os.fsdecode(bytes(folder) + b"/caf\xe9.txt")).write_text("2020-01-01 00:00:00\n\nW / x.\n")
    (folder / "unreadable.txt").symlink_to("/proc/self/mem")  # a read that fails, even as root
    return folder


LOADED = {
    "good-1",
    "good-2",
    "zw\u200b\u202eid\u2066",
    "big-title",
    "after-bom",
    "escaped-nul",
    "hostile-url",
    "script-url",
    "word-url",
    "two\nlines",
    "huge-source",
    "csv-1",
    "csv-long",
    "csv-nul",
    "csv-bad-url",
    "seed",
}
REPORTED = {
    ("export.jsonl", 2, "malformed JSON"),
    ("export.jsonl", 3, "malformed JSON"),  # a lone surrogate (the wording is orjson's)
    ("export.jsonl", 4, "malformed JSON"),
    ("export.jsonl", 5, "field 'id' is a list"),
    ("export.jsonl", 6, "field 'id' is true or false"),
    ("export.jsonl", 7, "field 'id' is an object"),
    ("export.jsonl", 8, "field 'id' is a fraction"),
    ("export.jsonl", 9, "malformed JSON"),
    ("export.jsonl", 13, "malformed JSON (unexpected control character"),
    ("export.jsonl", 15, "duplicate id 'csv-1'"),
    ("export.jsonl", 17, "url 'javascript:alert(1)' dropped: not an http(s) address"),
    ("export.jsonl", 18, "url 'not a url' dropped"),
    ("export.jsonl", 19, "malformed JSON (nested too deeply)"),
    ("export.jsonl", 20, "undecodable bytes at column"),
    ("a-export.csv", 5, "7 fields where the header names 6"),
    ("a-export.csv", 6, "3 fields where the header names 6"),
    ("a-export.csv", 9, "url 'ftp://example.com/x' dropped"),
    ("empty.txt", 1, "bad timestamp"),
    ("caf\\xe9.txt", None, "file name is not UTF-8; rename it"),
    ("unreadable.txt", None, "cannot read: Input/output error"),
}


def found(problems) -> set[tuple[str, int | None, str]]:
    return {(Path(p.path).name, p.line, p.reason) for p in problems}


def assert_reported(problems, expected=REPORTED) -> None:
    actual = found(problems)
    for name, number, reason in expected:
        assert any((n, ln) == (name, number) and r.startswith(reason) for n, ln, r in actual), (
            name,
            number,
            reason,
            sorted(actual),
        )
    assert len(actual) == len(expected), sorted(actual)


def test_the_hostile_corpus_loads_every_good_record_and_reports_every_bad_one(corpus):
    report = load_archive([corpus])
    assert {a.id for a in report.articles} == LOADED
    assert_reported(report.problems)
    for problem in report.problems:
        assert "\n" not in str(problem)
        str(problem).encode("utf-8")  # printable wherever it is printed
    articles = {a.id: a for a in report.articles}
    assert len(articles["big-title"].title) <= MAX_TITLE
    assert len(articles["huge-source"].source) <= 100
    assert articles["hostile-url"].url == (
        "https://example.com/a%29%20**%5BFREE%20NITRO%5D%28https://evil.example%29**%20%28"
    )
    assert articles["script-url"].url is None and articles["word-url"].url is None
    assert articles["csv-1"].body == "Line one.\n\nLine two, with a comma."
    assert len(articles["csv-long"].body) > 131_072


def test_the_hostile_corpus_is_cached_and_read_back_whole(corpus, tmp_path):
    """Writing the cache was where a lone surrogate used to stop the load."""
    built = open_snapshot([corpus], zone=_utc(), cache_dir=tmp_path / "cache")
    cached = open_snapshot([corpus], zone=_utc(), cache_dir=tmp_path / "cache")
    assert cached.from_cache and not built.from_cache
    assert {a.id for a in cached.index.articles} == LOADED
    assert_reported(cached.problems)
    assert cached.index.get("two\nlines").title == built.index.get("two\nlines").title


def test_a_folder_that_cannot_be_read_is_reported_and_the_rest_loads(corpus, monkeypatch):
    locked = corpus / "locked"
    locked.mkdir()
    (locked / "inside.txt").write_text("2020-01-01 00:00:00\n\nW / Inside.\n")
    scandir = os.scandir

    def refusing(path="."):  # what the OS answers a user without permission
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    report = load_archive([corpus])
    assert {a.id for a in report.articles} == LOADED
    assert_reported(report.problems, REPORTED | {("locked", None, "cannot read folder")})


# Problems as the loader reports them, printed by a process that may lack root's powers.
REPORT_PROBLEMS = (
    "import json, sys; from pathlib import Path; from bot.archive import load_archive; "
    "print(json.dumps([(Path(p.path).name, p.line, p.reason) "
    "for p in load_archive([sys.argv[1]]).problems]))"
)


def _as_unprivileged_user() -> list[str] | None:
    """How to run a command without root's right to read anything, or None if there is none.

    Root reads files whatever their permissions, and CI runs as root: a user
    namespace (``unshare --user``) maps it to an unprivileged user.
    """
    if os.geteuid() != 0:
        return []
    if shutil.which("unshare") is None:
        return None
    probe = subprocess.run(["unshare", "--user", "true"], capture_output=True, check=False)
    return ["unshare", "--user", "--"] if probe.returncode == 0 else None


def test_a_file_without_read_permission_is_one_problem(tmp_path):
    prefix = _as_unprivileged_user()
    if prefix is None:
        pytest.skip("runs as root without `unshare --user`: root reads any file")
    (tmp_path / "secret.txt").write_text("2020-01-01 00:00:00\n\nW / x.\n")
    (tmp_path / "secret.txt").chmod(0)
    (tmp_path / "open.txt").write_text("2020-01-01 00:00:00\n\nW / y.\n")
    command = [*prefix, sys.executable, "-c", REPORT_PROBLEMS, str(tmp_path)]
    run = subprocess.run(command, capture_output=True, check=True, cwd=ROOT, text=True)
    assert {tuple(p) for p in json.loads(run.stdout)} == {
        ("secret.txt", None, "cannot read: Permission denied")
    }


def test_a_csv_field_beyond_pythons_default_limit_loads(tmp_path):
    body = "Wire / A long read. " + "word " * 60_000  # 300,000 characters; csv allows 131,072
    out = io.StringIO()
    csv.writer(out).writerows([["id", "date", "body"], ["long", DAY, body], ["next", DAY, "B"]])
    (tmp_path / "export.csv").write_text(out.getvalue(), encoding="utf-8")
    report = load_archive([tmp_path])
    assert report.problems == []
    assert [(a.id, len(a.body)) for a in report.articles] == [
        ("long", len(body.strip())),
        ("next", 1),
    ]


def _utc():
    from datetime import UTC

    return UTC
