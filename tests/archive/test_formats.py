"""Every archive format, good and bad, one row each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.archive import load_archive

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
GOOD_SEED = "2020-03-26 12:23:35\n\nShafaq News / The handover took place today. More text.\n"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def test_the_seed_file_parses():
    report = load_archive([SEEDS])
    assert report.problems == []
    [article] = report.articles
    assert article.id == "000_b1e33f71ca8b4e1c"
    assert article.source == "Shafaq News"
    assert article.published == datetime(2020, 3, 26, 12, 23, 35, tzinfo=UTC)
    assert article.title.startswith("The handover ceremony of Qayyarah Air Force Base")
    assert not article.title.startswith("Shafaq")
    assert article.body.startswith("Shafaq News / The handover")


@pytest.mark.parametrize(
    "content",
    [
        GOOD_SEED,
        GOOD_SEED.replace("\n", "\r\n"),
        "\ufeff" + GOOD_SEED,
        GOOD_SEED.replace("\n", "   \n") + "\n\n   ",
    ],
    ids=["plain", "crlf", "bom", "trailing-whitespace"],
)
def test_seed_text_tolerates_line_endings_bom_and_whitespace(tmp_path, content):
    write(tmp_path, "story.txt", content)
    [article] = load_archive([tmp_path]).articles
    assert (article.id, article.source, article.title) == (
        "story",
        "Shafaq News",
        "The handover took place today",
    )
    assert article.body == "Shafaq News / The handover took place today. More text."


def test_naive_timestamps_are_read_in_the_archive_zone(tmp_path):
    write(tmp_path, "story.txt", GOOD_SEED)
    baghdad = ZoneInfo("Asia/Baghdad")
    [article] = load_archive([tmp_path], baghdad).articles
    assert article.published == datetime(2020, 3, 26, 12, 23, 35, tzinfo=baghdad)
    assert article.published.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize(
    ("name", "content", "line", "reason"),
    [
        ("bad-stamp.txt", "26/03/2020 12:00\n\nBody.", 1, "bad timestamp"),
        ("impossible-date.txt", "2020-02-30 12:00:00\n\nBody.", 1, "bad timestamp"),
        ("empty-body.txt", "2020-03-26 12:00:00\n\n   \n", 1, "empty body"),
        ("no-blank.txt", "2020-03-26 12:00:00\nBody right away.", 1, "blank line"),
        ("latin1.txt", "2020-03-26 12:00:00\n\nCaf\xe9".encode("latin-1"), 3, "undecodable"),
        ("bad.jsonl", "\n{not json\n", 2, "malformed"),
        ("list.jsonl", "[1, 2]\n", 1, "JSON object"),
        ("no-id.jsonl", '{"date": "2020-01-01", "body": "B"}\n', 1, "missing field 'id'"),
        ("no-date.jsonl", '{"id": "x", "body": "B"}\n', 1, "missing field 'date'"),
        ("bad-date.jsonl", '{"id": "x", "date": "yesterday", "body": "B"}\n', 1, "bad timestamp"),
        ("empty.jsonl", '{"id": "x", "date": "2020-01-01", "body": " "}\n', 1, "empty body"),
        ("bytes.jsonl", b'{"id": "x", "date": "2020-01-01", "body": "\xff"}\n', 1, "undecodable"),
        ("no-column.csv", "id,title\nx,T\n", 1, "lacks column"),
        ("bad-row.csv", "id,date,body\nx,2020-13-01,Body\n", 2, "bad timestamp"),
    ],
)
def test_bad_records_are_reported_and_skipped(tmp_path, name, content, line, reason):
    write(tmp_path, "good.txt", GOOD_SEED)
    bad = write(tmp_path, name, content)
    report = load_archive([tmp_path])
    assert [a.id for a in report.articles] == ["good"]
    [problem] = report.problems
    assert (problem.path, problem.line) == (str(bad), line)
    assert reason in problem.reason
    assert str(problem).startswith(f"{bad}:{line}: ")


def test_jsonl_fields_dates_and_derived_titles(tmp_path):
    rows = [
        {
            "id": "with-offset",
            "date": "2006-10-23T22:42:00-04:00",
            "source": "Reuters",
            "title": "Given title",
            "body": "Body one.",
            "url": "https://example.com/1",
        },
        {"id": "naive", "date": "2006-10-24 08:00:00", "body": "AFP / Derived here. Then more."},
        {"id": 42, "date": "2006-10-25", "source": "", "title": "", "body": "No prefix. More."},
    ]
    write(tmp_path, "export.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    report = load_archive([tmp_path])
    assert report.problems == []
    first, second, third = report.articles
    assert first.published == datetime(2006, 10, 23, 22, 42, tzinfo=timezone(timedelta(hours=-4)))
    assert first.calendar_date.isoformat() == "2006-10-23"
    assert (first.title, first.source, first.url) == (
        "Given title",
        "Reuters",
        "https://example.com/1",
    )
    assert (second.source, second.title, second.published.tzinfo) == ("AFP", "Derived here", UTC)
    assert (third.id, third.source, third.title, third.url) == ("42", "unknown", "No prefix", None)


def test_jsonl_ids_beyond_64_bits_and_a_bom_are_kept_exactly(tmp_path):
    big = 12345678901234567890123
    rows = [{"id": big, "date": "2006-10-25", "body": "One."}, {"id": 7, "date": 1, "body": "Two."}]
    write(tmp_path, "export.jsonl", "\ufeff" + "\n".join(json.dumps(r) for r in rows))
    report = load_archive([tmp_path])
    assert [a.id for a in report.articles] == [str(big)]
    assert [(p.line, p.reason) for p in report.problems] == [
        (2, "bad timestamp '1' (expected ISO 8601)")
    ]


def test_csv_export_with_quoted_multiline_body(tmp_path):
    content = (
        "id,date,source,title,body,url\r\n"
        'c1,2011-02-03T04:05:06+00:00,Wire,T,"Line one.\r\n\r\nLine two.",\r\n'
    )
    write(tmp_path, "export.csv", "\ufeff" + content)
    [article] = load_archive([tmp_path]).articles
    assert (article.id, article.title, article.url) == ("c1", "T", None)
    assert article.body == "Line one.\n\nLine two."


def test_long_first_sentence_is_cut_on_a_word_boundary(tmp_path):
    sentence = " ".join(["word"] * 100)
    write(tmp_path, "long.txt", f"2020-01-01 00:00:00\n\nWire / {sentence}. Next.")
    [article] = load_archive([tmp_path]).articles
    assert len(article.title) <= 256
    assert article.title.endswith("word…")


def test_duplicate_ids_and_exact_duplicate_bodies_are_kept_once(tmp_path):
    write(tmp_path, "a/story.txt", GOOD_SEED)
    write(tmp_path, "b/story.txt", GOOD_SEED.replace("today", "yesterday"))
    write(tmp_path, "c/copy.txt", GOOD_SEED.replace("The handover", "the  HANDOVER"))
    report = load_archive([tmp_path])
    assert [a.id for a in report.articles] == ["story"]
    reasons = sorted(p.reason for p in report.problems)
    assert "duplicate id 'story'" in reasons[0]
    assert "same text as article 'story'" in reasons[1]
    assert report.aliases == {"copy": "story"}


def test_arabic_bodies_load(tmp_path):
    body = "شفق نيوز / أعلنت الحكومة العراقية اليوم عن خطة جديدة. تفاصيل أخرى."
    write(tmp_path, "ar.txt", f"2021-05-01 10:00:00\n\n{body}")
    [article] = load_archive([tmp_path]).articles
    assert article.source == "شفق نيوز"
    assert article.title == "أعلنت الحكومة العراقية اليوم عن خطة جديدة"
