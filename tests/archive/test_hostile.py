"""Hostile and unlucky archives: every good record loads, every bad one is one line."""

from __future__ import annotations

import csv
import io

from bot.archive import load_archive


def test_a_csv_field_beyond_pythons_default_limit_loads(tmp_path):
    body = "Wire / A long read. " + "word " * 60_000  # 300,000 characters; csv allows 131,072
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(
        [["id", "date", "body"], ["long", "2020-01-01", body], ["next", "2020-01-02", "B"]]
    )
    (tmp_path / "export.csv").write_text(out.getvalue(), encoding="utf-8")
    report = load_archive([tmp_path])
    assert report.problems == []
    assert [(a.id, len(a.body)) for a in report.articles] == [
        ("long", len(body.strip())),
        ("next", 1),
    ]
