"""Finding archive files and reporting progress."""

from __future__ import annotations

import logging
from datetime import UTC

from bot.archive import discover, fingerprint, load_archive
from bot.archive.loader import LOG_EVERY

SEED = "2020-03-26 12:23:35\n\nWire / Story {n}. Body {n}.\n"


def test_files_folders_and_globs(tmp_path):
    (tmp_path / "deep" / "er").mkdir(parents=True)
    for name in ("one.txt", "deep/two.txt", "deep/er/three.txt", "deep/notes.md"):
        (tmp_path / name).write_text(SEED.format(n=name), encoding="utf-8")
    files, problems = discover([tmp_path / "one.txt", tmp_path / "deep"])
    assert [f.name for f in files] == ["three.txt", "two.txt", "one.txt"] or len(files) == 3
    assert problems == []
    files, _ = discover([str(tmp_path / "**" / "t*.txt")])
    assert sorted(f.name for f in files) == ["three.txt", "two.txt"]


def test_missing_paths_and_unknown_formats_are_problems(tmp_path):
    (tmp_path / "notes.md").write_text("hi", encoding="utf-8")
    files, problems = discover([tmp_path / "nope", tmp_path / "notes.md", str(tmp_path / "*.zz")])
    assert files == []
    assert [p.reason for p in problems] == [
        "no such file, folder or matching glob",
        "unknown archive format '.md'",
        "no such file, folder or matching glob",
    ]


def test_fingerprint_changes_with_content_and_zone(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(SEED.format(n=1), encoding="utf-8")
    before = fingerprint([path], UTC)
    assert fingerprint([path], UTC) == before
    path.write_text(SEED.format(n=22), encoding="utf-8")
    assert fingerprint([path], UTC) != before
    from zoneinfo import ZoneInfo

    assert fingerprint([path], ZoneInfo("Asia/Baghdad")) != fingerprint([path], UTC)


def test_progress_is_logged_when_not_a_terminal(tmp_path, caplog, capsys):
    lines = [
        f'{{"id": "{n}", "date": "2020-01-01", "body": "Body number {n}"}}'
        for n in range(LOG_EVERY + 5)
    ]
    (tmp_path / "big.jsonl").write_text("\n".join(lines), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="bot.archive.loader"):
        report = load_archive([tmp_path], progress=False)
    assert len(report.articles) == LOG_EVERY + 5
    assert f"Loaded {LOG_EVERY} articles so far" in caplog.text
    assert capsys.readouterr().out == ""  # stdout stays clean for JSON output
