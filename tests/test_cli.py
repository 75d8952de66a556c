"""The ``dateline`` command line, in-process and as a real process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from bot.__main__ import main

SEED = "{stamp}\n\n{source} / {title}. Body text about {extra}.\n"


@pytest.fixture
def archive(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default cache folder lands in tmp_path
    folder = tmp_path / "archive"
    folder.mkdir()
    stories = [
        ("2019-03-26 08:00:00", "Shafaq News", "Volcano erupts near village", "ash", "v1"),
        ("2020-03-26 09:00:00", "Reuters", "Markets rally on volcano calm", "stocks", "v2"),
        ("2021-07-01 10:00:00", "Reuters", "Harvest festival opens", "grain", "h1"),
    ]
    for stamp, source, title, extra, name in stories:
        text = SEED.format(stamp=stamp, source=source, title=title, extra=extra)
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def run(capsys, *argv):
    try:
        code = main([*argv])
    except SystemExit as exit_:  # argparse's own exit, for a bad flag
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_search_json_contract(archive, capsys):
    code, out, _ = run(capsys, "search", "volcanoe", "--archive", str(archive), "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["query"] == "volcanoe"
    assert isinstance(payload["took_ms"], float)
    results = payload["results"]
    assert {r["id"] for r in results} == {"v1", "v2"}
    keys = {"id", "score", "date", "source", "title", "versions", "snippet", "highlights", "url"}
    assert set(results[0]) == keys
    assert [r["versions"] for r in results if r["id"] == "v1"] == [["v1"]]
    assert results[0]["score"] >= results[1]["score"]
    # No markdown: the matched words are offsets into the plain snippet.
    for result in results:
        assert "**" not in result["snippet"]
        words = [result["snippet"][start:end] for start, end in result["highlights"]]
        assert words and all(w.lower() == "volcano" for w in words)


def test_search_filters_from_the_command_line(archive, capsys):
    base = ["search", "volcano", "--archive", str(archive), "--json"]
    assert [r["id"] for r in json.loads(run(capsys, *base, "--year", "2019")[1])["results"]] == [
        "v1"
    ]
    after = json.loads(run(capsys, *base, "--after", "2020-01")[1])["results"]
    assert [r["id"] for r in after] == ["v2"]
    source = json.loads(run(capsys, *base, "--source", "shafaq news")[1])["results"]
    assert [r["id"] for r in source] == ["v1"]
    for sort, expected in (("oldest", ["v1", "v2"]), ("newest", ["v2", "v1"])):
        by_date = json.loads(run(capsys, *base, "--sort", sort)[1])["results"]
        assert [r["id"] for r in by_date] == expected


def test_search_refuses_dates_with_nothing_between_them(archive, capsys):
    code, out, err = run(
        capsys,
        "search",
        "volcano",
        "--archive",
        str(archive),
        "--after",
        "2021",
        "--before",
        "2019",
    )
    assert (code, out) == (2, "")
    expected = "--after 2021 --before 2019: no date is within all of them, so nothing can match"
    assert err == f"dateline search: {expected}\n"


def test_search_stdin_json_lines(archive, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("harvest festival\n\n?!\nvolcano\n"))
    code, out, _ = run(capsys, "search", "--stdin", "--json", "--archive", str(archive))
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["harvest festival", "?!", "volcano"]
    assert [r["id"] for r in lines[0]["results"]] == ["h1"]
    assert set(lines[0]["results"][0]) == {"id", "score", "date", "source", "title", "versions"}
    assert "error" in lines[1]
    assert lines[2]["took_ms"] >= 0


def test_search_shows_a_refiled_story_once_and_lists_its_versions(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [
        ("first", "2021-07-01T08:00:00+00:00", "Harvest festival opens", "Grain and song."),
        ("update", "2021-07-01T11:00:00+00:00", "UPDATE 1-Harvest festival opens", "Grain."),
    ]
    path = tmp_path / "archive.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": i, "date": d, "source": "Wire", "title": t, "body": b}) + "\n"
            for i, d, t, b in rows
        )
    )
    base = ("search", "harvest festival", "--archive", str(path))
    results = json.loads(run(capsys, *base, "--json")[1])["results"]
    assert len(results) == 1
    assert results[0]["versions"] == ["first", "update"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("harvest festival\n"))
    line = json.loads(run(capsys, "search", "--stdin", "--json", "--archive", str(path))[1])
    assert [r["versions"] for r in line["results"]] == [["first", "update"]]
    text = run(capsys, *base)[1]
    shown = "update" if "[update]" in text else "first"
    other = {"first", "update"} - {shown}
    assert f"2 versions; the others: {other.pop()}" in text


def test_bad_date_is_one_friendly_line(archive, capsys):
    code, _out, err = run(capsys, "search", "x", "--archive", str(archive), "--after", "2020-13")
    assert code == 2
    assert err == "dateline search: --after: '2020-13' is not a real date\n"


def test_stats(archive, capsys):
    code, out, _ = run(capsys, "stats", "--archive", str(archive), "--json")
    stats = json.loads(out)
    assert code == 0
    assert stats["count"] == 3
    assert (stats["first"], stats["last"]) == ("2019-03-26", "2021-07-01")
    assert stats["sources"] == {"Reuters": 2, "Shafaq News": 1}
    assert stats["per_year"] == {"2019": 1, "2020": 1, "2021": 1}


def test_stats_of_an_empty_archive(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the index cache goes under the working folder
    (tmp_path / "empty").mkdir()
    code, out, err = run(capsys, "stats", "--archive", str(tmp_path / "empty"))
    assert code == 0
    assert out.splitlines()[:3] == ["Articles: 0", "Dates:    none", "Sources:  none"]
    assert err == "dateline: the archive has no articles (no archive files found)\n"


def test_check_index_and_strict_report_problems(archive, capsys):
    assert run(capsys, "check", "--archive", str(archive))[0] == 0
    (archive / "broken.txt").write_text("yesterday\n\nBody", encoding="utf-8")
    code, _out, err = run(capsys, "check", "--archive", str(archive))
    assert code == 1
    assert f"{archive / 'broken.txt'}:1: bad timestamp" in err
    assert run(capsys, "index", "--archive", str(archive))[0] == 0
    assert run(capsys, "index", "--archive", str(archive), "--strict")[0] == 1
    assert run(capsys, "search", "volcano", "--archive", str(archive), "--strict")[0] == 1


def test_bad_config_stops_with_one_line(archive, capsys, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[archive]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    code, _out, err = run(capsys, "check", "--config", str(config))
    assert code == 2
    assert err.strip() == (
        f"dateline: {config}: archive.timezone: "
        "expected an IANA timezone such as UTC or Europe/Berlin"
    )


@pytest.mark.parametrize("command", [["search", "volcano"], ["run"]])
def test_an_archive_path_matching_nothing_stops_with_one_line(
    archive, capsys, monkeypatch, command
):
    monkeypatch.setenv("DISCORD_TOKEN", "not-used-before-the-archive-is-checked")
    missing = archive / "typo"
    code, _out, err = run(capsys, *command, "--archive", str(missing))
    assert code == 2
    assert err.strip().splitlines()[-1] == (
        f"dateline: the archive has no articles ({missing}: no such file, folder or matching "
        "glob); check archive.paths or --archive"
    )


def test_runs_as_a_real_process(archive):
    done = subprocess.run(
        [sys.executable, "-m", "bot", "search", "harvest", "--archive", str(archive), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [r["id"] for r in json.loads(done.stdout)["results"]] == ["h1"]


def test_digest_lists_every_selected_id_by_year(archive, capsys):
    code, out, _ = run(
        capsys, "digest", "--date", "2024-03-26", "--json", "--archive", str(archive)
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["ids"] == ["v2", "v1"]
    assert payload["years"] == [
        {"year": 2020, "years_ago": 4, "ids": ["v2"]},
        {"year": 2019, "years_ago": 5, "ids": ["v1"]},
    ]
    code, out, _ = run(capsys, "digest", "--date", "2020-03-26", "--archive", str(archive))
    assert "1 year ago · 2019" in out and "v1" in out and "v2" not in out


def test_digest_empty_day_skipped_or_nearest(archive, capsys):
    argv = ["digest", "--date", "2024-03-27", "--json", "--archive", str(archive)]
    _, out, _ = run(capsys, *argv)
    assert json.loads(out) == {
        "date": "2024-03-27",
        "shown_date": None,  # every key, always
        "skipped": True,
        "ids": [],
        "years": [],
    }
    _, out, _ = run(capsys, *argv, "--empty", "nearest")
    payload = json.loads(out)
    assert (payload["shown_date"], payload["ids"]) == ("2024-03-26", ["v2", "v1"])


def test_digest_bad_date_is_an_argument_error(archive, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["digest", "--date", "26/03/2024", "--archive", str(archive)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err == "dateline digest: --date: '26/03/2024' is not a day: use YYYY-MM-DD or MM-DD\n"


def test_check_refuses_a_partial_slice_on_sqlite_with_one_line(archive, capsys, monkeypatch):
    monkeypatch.setenv("DATELINE_CLUSTER__SHARD_COUNT", "2")
    monkeypatch.setenv("DATELINE_CLUSTER__SHARD_IDS", "[1]")
    code, _out, err = run(capsys, "check", "--archive", str(archive))
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("dateline: cluster: this process runs only shards 1 of 2 ")
    assert "set store.url to a shared PostgreSQL database" in line


def test_check_names_the_slice_this_process_would_run(archive, capsys, monkeypatch):
    url = os.environ.get("DATELINE_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("a partial slice needs PostgreSQL: set DATELINE_TEST_POSTGRES_URL")
    for name, value in {"SHARD_COUNT": "4", "INDEX": "1", "SIZE": "2"}.items():
        monkeypatch.setenv(f"DATELINE_CLUSTER__{name}", value)
    monkeypatch.setenv("DATELINE_STORE__URL", url)
    _code, out, _err = run(capsys, "check", "--archive", str(archive))
    assert "Cluster: this process would run shards 1,3 of 4 (process 1 of 2)" in out
