"""Paths in a config file are read from its folder; what Dateline writes goes in the data dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError

CONFIG = """
[archive]
paths = ["archive", "exports/*.jsonl", "/srv/news"]
[search]
cache_dir = "cache"
[discord]
token_file = "secrets/token"
[store]
url = "sqlite+aiosqlite:///state/dateline.sqlite3"
"""


def test_relative_paths_in_a_config_file_are_read_from_its_folder(tmp_path, monkeypatch):
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "config.toml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # started from elsewhere: the paths must not move
    settings = load_settings("etc/config.toml", environ={})
    assert settings.archive.paths == [
        str(etc / "archive"),
        str(etc / "exports/*.jsonl"),
        "/srv/news",
    ]
    assert settings.search.cache_dir == str(etc / "cache")
    assert settings.discord.token_file == str(etc / "secrets" / "token")
    assert settings.store.url == f"sqlite+aiosqlite:///{etc / 'state' / 'dateline.sqlite3'}"


def test_paths_from_the_environment_are_read_from_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    environ = {"DATELINE_ARCHIVE__PATHS": '["news"]'}
    assert load_settings(tmp_path / "config.toml", environ=environ).archive.paths == ["news"]


def test_the_store_and_the_cache_default_to_the_data_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={})
    assert settings.store.url == f"sqlite+aiosqlite:///{tmp_path / 'data' / 'dateline.sqlite3'}"
    assert settings.search.cache_dir == str(tmp_path / "data" / "cache")
    elsewhere = load_settings(None, environ={"DATELINE_DATA_DIR": "/var/lib/dateline"})
    assert elsewhere.store.url == "sqlite+aiosqlite:////var/lib/dateline/dateline.sqlite3"
    assert elsewhere.search.cache_dir == "/var/lib/dateline/cache"


def test_a_postgresql_url_is_left_as_written(tmp_path):
    url = "postgresql+asyncpg://dateline:pw@db:5432/dateline"
    (tmp_path / "c.toml").write_text(f'[store]\nurl = "{url}"\n', encoding="utf-8")
    assert load_settings(tmp_path / "c.toml", environ={}).store.url == url


def test_the_bundled_example_reads_its_archive_wherever_dateline_starts(tmp_path, monkeypatch):
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    monkeypatch.chdir(tmp_path)
    settings = load_settings(example, environ={})
    assert settings.archive.paths == [str(example.parent / "seeds")]


def test_the_database_password_comes_from_its_secret_file(tmp_path):
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "pg").write_text("s3cret\n", encoding="utf-8")
    (tmp_path / "c.toml").write_text(
        '[store]\nurl = "postgresql+asyncpg://dateline@db:5432/dateline"\n'
        'password_file = "secrets/pg"\n',
        encoding="utf-8",
    )
    store = load_settings(tmp_path / "c.toml", environ={}).store
    assert store.url == "postgresql+asyncpg://dateline@db:5432/dateline"  # never holds it
    assert store.connect_url() == "postgresql+asyncpg://dateline:s3cret@db:5432/dateline"


def test_an_unreadable_password_file_is_one_line(tmp_path):
    (tmp_path / "c.toml").write_text(
        '[store]\nurl = "postgresql+asyncpg://dateline@db/dateline"\npassword_file = "nope"\n',
        encoding="utf-8",
    )
    store = load_settings(tmp_path / "c.toml", environ={}).store
    with pytest.raises(ConfigError, match=r"store.password_file: cannot read .*nope: No such file"):
        store.connect_url()
