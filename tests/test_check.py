"""``dateline check``: everything ``dateline run`` needs, short of calling Discord."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot.__main__ import main
from bot.store import Store

SEED = "{stamp}\n\nWire / {title}. Body.\n"


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("DATELINE_DATA_DIR", raising=False)
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.txt").write_text(SEED.format(stamp="2019-03-26 08:00:00", title="Volcano"))
    (archive / "b.txt").write_text(SEED.format(stamp="2020-03-26 08:00:00", title="Glacier"))
    return tmp_path


def check(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_fresh_installation_is_ready_and_says_where_things_will_go(workdir, capsys):
    code, out, _ = check(capsys, "--archive", "archive")
    assert code == 0
    assert "Archive: 2 articles\n" in out
    assert f"Cache:   {workdir / 'data' / 'cache'} (writable)" in out
    assert f"{workdir / 'data' / 'dateline.sqlite3'}: not created yet" in out
    assert "Token:   none yet: set DISCORD_TOKEN" in out
    assert out.endswith("Ready to run.\n")
    assert not (workdir / "data" / "dateline.sqlite3").exists()  # check creates no database


def test_exact_duplicates_are_notes_unless_strict(workdir, capsys):
    (workdir / "archive" / "c.txt").write_text(
        SEED.format(stamp="2020-03-26 08:00:00", title="Glacier")
    )
    code, out, err = check(capsys, "--archive", "archive")
    assert code == 0
    assert "Archive: 2 articles; 1 note (exact duplicates, kept once)" in out
    assert "same text as article" in err
    code, out, _ = check(capsys, "--archive", "archive", "--strict")
    assert code == 1
    assert "Archive: 2 articles; 1 problem (listed above)" in out


def test_a_bad_record_is_a_problem(workdir, capsys):
    (workdir / "archive" / "bad.txt").write_text("not a date\n\nWire / Body.\n")
    code, out, err = check(capsys, "--archive", "archive")
    assert code == 1
    assert "bad.txt" in err
    assert out.endswith("Problems found.\n")


def test_the_store_says_which_migration_it_is_at(workdir, capsys):
    async def migrate() -> None:
        store = Store.open(f"sqlite+aiosqlite:///{workdir / 'data' / 'dateline.sqlite3'}")
        await store.start()
        await store.close()

    asyncio.run(migrate())
    code, out, _ = check(capsys, "--archive", "archive")
    assert code == 0
    assert "dateline.sqlite3: at migration " in out and ", the latest" in out


def test_an_unreachable_store_is_a_problem_and_its_password_is_not_shown(
    workdir, capsys, monkeypatch
):
    url = "postgresql+asyncpg://dateline:hunter2@127.0.0.1:1/none"
    monkeypatch.setenv("DATELINE_STORE__URL", url)
    code, out, _ = check(capsys, "--archive", "archive")
    assert code == 1
    assert "Store:   postgresql+asyncpg://dateline:***@127.0.0.1:1/none: cannot open it" in out
    assert "hunter2" not in out


def test_an_unwritable_cache_is_a_problem(workdir, capsys, monkeypatch):
    (workdir / "file").write_text("a file, not a folder")  # unwritable even for root
    monkeypatch.setenv("DATELINE_SEARCH__CACHE_DIR", str(workdir / "file" / "cache"))
    code, out, _ = check(capsys, "--archive", "archive")
    assert code == 1
    assert f"Cache:   {workdir / 'file' / 'cache'} is not writable" in out


def test_a_token_is_found_but_never_shown(workdir, capsys, monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token")
    code, out, _ = check(capsys, "--archive", "archive")
    assert code == 0
    assert "Token:   present (from DISCORD_TOKEN" in out
    assert "very-secret-token" not in out


def test_an_unreadable_token_file_is_a_problem(workdir, capsys, monkeypatch):
    monkeypatch.setenv("DATELINE_DISCORD__TOKEN_FILE", str(workdir / "missing-token"))
    code, out, _ = check(capsys, "--archive", "archive")
    assert code == 1
    assert "discord.token_file: cannot read" in out


@pytest.mark.skipif(
    not os.environ.get("DATELINE_TEST_POSTGRES_URL"),
    reason="set DATELINE_TEST_POSTGRES_URL to check a PostgreSQL store",
)
def test_a_postgresql_store_is_opened_and_its_migration_named(workdir, capsys, monkeypatch):
    url = os.environ["DATELINE_TEST_POSTGRES_URL"]
    monkeypatch.setenv("DATELINE_STORE__URL", url)
    code, out, _ = check(capsys, "--archive", "archive")
    assert code == 0
    store_line = next(line for line in out.splitlines() if line.startswith("Store:"))
    assert "at migration" in store_line or "empty; `dateline run` creates the tables" in store_line
