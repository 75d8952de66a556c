"""Settings: defaults, TOML, environment overrides, and one precise line per mistake."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_the_example_config_is_valid_and_matches_the_defaults(monkeypatch):
    monkeypatch.chdir(EXAMPLE.parent)  # the example's relative paths are read from its folder
    example = load_settings(EXAMPLE, environ={}).model_dump()
    defaults = load_settings(None, environ={}).model_dump()
    defaults["archive"]["paths"] = [str(Path(p).absolute()) for p in defaults["archive"]["paths"]]
    assert example == defaults
    assert example["digest"]["catch_up"] == timedelta(hours=6)


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.archive.timezone == "UTC"
    assert settings.search.default_limit == 10


def test_environment_overrides_the_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[archive]\ntimezone = "Europe/Berlin"\n', encoding="utf-8")
    environ = {"DATELINE_ARCHIVE__TIMEZONE": "Asia/Baghdad", "DATELINE_ARCHIVE__PATHS": '["a"]'}
    settings = load_settings(config, environ=environ)
    assert (settings.archive.timezone, settings.archive.paths) == ("Asia/Baghdad", ["a"])


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[archive]\ntimezone = "Mars/Base"', "archive.timezone: expected an IANA timezone"),
        ("[search]\ndefault_limit = 0", "search.default_limit: expected a number greater than"),
        ('[search]\ndefault_limit = "ten"', "search.default_limit: expected a whole number"),
        ("[search]\nmerge_factor = 1", "search.merge_factor: expected a number greater than"),
        (
            "[search]\nmerge_deleted_share = 0",
            "search.merge_deleted_share: expected greater than 0",
        ),
        ("[search]\nmerge_deleted_share = 1.5", "search.merge_deleted_share: expected a number"),
        ('[digest]\nempty = "maybe"', "digest.empty: expected 'skip' or 'nearest'"),
        ('[digest]\ncatch_up = "soon"', "digest.catch_up: expected a duration"),
        ("[archive]\npaths = 3", "archive.paths: expected a list"),
        ("[archive]\ncolour = 1", "archive.colour: unknown key"),
        ("[nonsense]\nx = 1", "nonsense: unknown key"),
        ('[logging]\nlevel = "LOUD"', "logging.level: expected 'DEBUG'"),
        ("[cluster]\nshard_ids = [0]", "cluster.shard_count: required when this process"),
        ("[cluster]\nshard_count = 4\nshard_ids = [4]", "cluster.shard_ids: 4 is not below"),
        ("[cluster]\nshard_count = 4\nshard_ids = [1, 1]", "cluster.shard_ids: a shard is"),
        ("[cluster]\nshard_count = 4\nshard_ids = []", "cluster.shard_ids: List should have"),
        ("[cluster]\nshard_count = 4\nindex = 1", "cluster.index: give index and size together"),
        (
            "[cluster]\nshard_count = 4\nindex = 0\nsize = 2\nshard_ids = [0]",
            "cluster.shard_ids: give either shard_ids or index and size",
        ),
        ("[cluster]\nshard_count = 4\nindex = 2\nsize = 2", "cluster.index: 2 is not below"),
        ("[cluster]\nshard_count = 2\nindex = 0\nsize = 3", "cluster.size: 3 processes"),
        (
            '[cluster]\nindex = "pod"',
            'cluster.index: expected a whole number from 0, or "hostname"',
        ),
        ("[cluster]\nshard_count = 1e9", "cluster.shard_count: expected a number less"),
        ("[cluster]\nshard_count = 2.5", "cluster.shard_count: expected a whole number"),
        ("[cluster]\nlease = 1", "cluster.lease: expected a duration from 5 seconds"),
    ],
)
def test_bad_values_name_file_key_and_expectation(tmp_path, toml, message):
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    text = str(caught.value)
    assert text.startswith(f"{config}: ")
    assert message in text
    assert "\n" not in text


def test_a_bad_environment_value_names_the_variable():
    with pytest.raises(ConfigError, match=r"^DATELINE_ARCHIVE__TIMEZONE: archive.timezone: "):
        load_settings(None, environ={"DATELINE_ARCHIVE__TIMEZONE": "Nowhere"})


def test_missing_file_and_broken_toml(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "absent.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[archive\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(broken, environ={})


@pytest.mark.parametrize("url", ["sqlite:///data/x.db", "postgresql://u@h/db", "not a url"])
def test_store_url_must_name_an_async_driver(url):
    with pytest.raises(ConfigError, match=r"store\.url: expected an async database URL"):
        load_settings(None, {"DATELINE_STORE__URL": url})
