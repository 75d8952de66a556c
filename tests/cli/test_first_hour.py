"""The command line as a newcomer meets it: init, help, version, flags, plain text, plurals."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime

import pytest

from bot.__main__ import main
from bot.cli import terminal
from bot.config import load_settings

SEED = "{stamp}\n\n{source} / {title}. Body about {extra}.\n"


@pytest.fixture
def archive(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    folder = tmp_path / "archive"
    folder.mkdir()
    today = datetime.now().astimezone().date()
    stories = [
        (
            f"{today.year - 2}-{today:%m-%d} 08:00:00",
            "Wire",
            "Volcano *erupts* near_village",
            "ash",
        ),
        ("2020-03-26 09:00:00", "Reuters", "Markets rally", "volcano calm"),
    ]
    for n, (stamp, source, title, extra) in enumerate(stories):
        text = SEED.format(stamp=stamp, source=source, title=title, extra=extra)
        (folder / f"s{n}.txt").write_text(text, encoding="utf-8")
    return folder


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_help_speak_to_users(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("dateline ")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "news archive" in out and "dateline init" in out
    assert "Parses arguments" not in out and "hands off" not in out


@pytest.mark.parametrize("value", ["0", "-1", "1000", "ten"])
def test_a_limit_outside_1_to_100_is_one_line_and_exit_2(archive, capsys, value):
    code, out, err = run(capsys, "search", "volcano", "--archive", "archive", "--limit", value)
    assert (code, out) == (2, "")
    assert (
        err == f"dateline search: --limit: expected a whole number from 1 to 100, not {value!r}\n"
    )


def test_search_on_a_pipe_is_plain_text_without_markdown_or_info_logs(archive, capsys):
    code, out, err = run(capsys, "search", "volcano", "--archive", "archive", "--limit", "100")
    assert code == 0
    assert "Volcano *erupts* near_village" in out  # titles as written, nothing escaped
    assert "**" not in out and "\\" not in out
    assert err == ""  # INFO logs only with -v
    _code, _out, err = run(capsys, "search", "volcano", "--archive", "archive", "-v")
    assert " INFO " in err


def test_matched_words_are_bold_only_where_the_terminal_shows_bold(monkeypatch):
    snippet = r"Ash over the **volcano**, 2\*3"
    assert terminal.render(snippet, bold=False) == "Ash over the volcano, 2*3"
    assert terminal.render(snippet, bold=True) == "Ash over the \033[1mvolcano\033[0m, 2*3"

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert terminal.supports_bold(Tty())
    assert not terminal.supports_bold(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal.supports_bold(Tty())
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not terminal.supports_bold(Tty())


def test_stdin_without_json_prints_text(archive, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("volcano\nmarkets\n"))
    code, out, _ = run(capsys, "search", "--stdin", "--archive", "archive")
    assert code == 0
    assert out.startswith("volcano:\n 1. ")
    assert "\nmarkets:\n 1. " in out
    assert "{" not in out


def test_digest_defaults_to_today_takes_month_day_and_counts_in_words(archive, capsys):
    today = datetime.now().astimezone().date()
    code, out, _ = run(capsys, "digest", "--archive", "archive")
    assert code == 0
    assert out.startswith(f"On this day, {today:%d %B}: 1 article\n")
    code, out, _ = run(capsys, "digest", "--date", "03-26", "--archive", "archive", "--json")
    assert json.loads(out)["date"] == f"{today.year}-03-26"


def test_an_unknown_digest_source_is_answered_as_search_answers_it(archive, capsys):
    code, out, err = run(capsys, "digest", "--source", "reuter", "--archive", "archive")
    assert (code, out) == (1, "")
    assert "no outlet called 'reuter'" in err and "Did you mean 'Reuters'?" in err
    code, _out, err = run(capsys, "search", "x", "--source", "reuter", "--archive", "archive")
    assert code == 1 and "Did you mean “Reuters”?" in err


def test_invite_without_a_token_says_client_id_works(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    code, out, err = run(capsys, "invite")
    assert (code, out) == (2, "")
    assert "dateline invite --client-id ID" in err
    code, out, _ = run(capsys, "invite", "--client-id", "123456789012345678")
    assert code == 0 and "client_id=123456789012345678" in out


def test_init_off_a_terminal_asks_nothing_and_writes_a_config_that_reads_back(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATELINE_DATA_DIR", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, out, _ = run(capsys, "init")
    assert code == 0
    settings = load_settings(tmp_path / "config.toml", environ={})
    assert settings.archive.paths == [str(tmp_path / "archive")]
    assert (tmp_path / "data").is_dir() and (tmp_path / "archive").is_dir()
    assert "# IANA zone" in (tmp_path / "config.toml").read_text(encoding="utf-8")  # commented
    for step in ("dateline check", "DISCORD_TOKEN", "dateline invite --client-id", "dateline run"):
        assert step in out
    code, _out, err = run(capsys, "init")
    assert code == 1 and "exists; keep it, or replace it with --force" in err


def test_init_on_a_terminal_asks_where_the_archive_is_and_its_timezone(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    answers = iter(["/srv/news/*.jsonl", "Mars/Base", "Asia/Baghdad"])
    monkeypatch.setattr("builtins.input", lambda _prompt: next(answers))
    code, out, _ = run(capsys, "init")
    assert code == 0
    assert "not a timezone" in out  # asked again
    settings = load_settings(tmp_path / "config.toml", environ={})
    assert settings.archive.paths == ["/srv/news/*.jsonl"]
    assert settings.archive.timezone == "Asia/Baghdad"
