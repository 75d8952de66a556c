"""Every number and duration has a range the bot can run with, refused outside it in one line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.__main__ import main
from bot.config import load_settings
from bot.errors import ConfigError

# (section, key, lowest accepted, highest accepted, just below, just above); None: no bound.
RANGES = [
    ("archive", "watch", 1, 3600, 0, 3601),
    ("search", "default_limit", 1, 100, 0, 101),
    ("digest", "catch_up", 0, 86400, -1, 86401),
    ("digest", "misfire_grace", 1, 86400, 0, 86401),
    ("digest", "sends_per_second", 0.1, 48, 0, 48.5),
    ("discord", "dev_guild_id", 1, 2**64 - 1, 0, 2**64),
    ("cluster", "shard_count", 1, 100_000, 0, 10**9),
    ("cluster", "lease", 5, 3600, 4, 3601),
    ("cluster", "reconcile_every", 5, 3600, 4, 3601),
]


def settle(tmp_path, text: str, **environ: str):
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    return config, lambda: load_settings(config, environ=environ)


def one_line(error: pytest.ExceptionInfo[ConfigError]) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize(("section", "key", "low", "high", "below", "above"), RANGES)
def test_each_setting_takes_its_whole_range_and_nothing_outside(
    tmp_path, section, key, low, high, below, above
):
    for accepted in (low, high):
        _, load = settle(tmp_path, f"[{section}]\n{key} = {accepted}\n")
        value = getattr(getattr(load(), section), key)
        assert value == (timedelta(seconds=accepted) if isinstance(value, timedelta) else accepted)
    for refused in (below, above):
        config, load = settle(tmp_path, f"[{section}]\n{key} = {refused}\n")
        with pytest.raises(ConfigError) as caught:
            load()
        assert one_line(caught).startswith(f"{config}: {section}.{key}: expected ")


def test_owner_ids_and_shard_ids_are_checked_one_by_one(tmp_path):
    _, load = settle(tmp_path, "[discord]\nowner_ids = [1, -5]\n")
    with pytest.raises(ConfigError, match=r"discord\.owner_ids: expected a number greater"):
        load()
    _, load = settle(tmp_path, "[cluster]\nshard_count = 2\nshard_ids = [-1]\n")
    with pytest.raises(ConfigError, match=r"cluster\.shard_ids: expected a number greater"):
        load()


def test_durations_say_their_range_in_words(tmp_path):
    _, load = settle(tmp_path, '[digest]\nmisfire_grace = "PT0S"\n')
    with pytest.raises(
        ConfigError, match="misfire_grace: expected a duration from 1 second to 1 day"
    ):
        load()


def test_a_config_file_that_is_not_utf8_is_one_line_naming_the_line(tmp_path):
    config = tmp_path / "config.toml"
    config.write_bytes(b'[archive]\ntimezone = "UTC"\n# caf\xe9\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    assert one_line(caught) == f"{config}:3: not UTF-8 text (save it as UTF-8)"


def test_nesting_past_any_parser_is_one_line(tmp_path):
    deep = "[" * 5000 + "]" * 5000
    _, load = settle(tmp_path, f"[archive]\npaths = {deep}\n")
    with pytest.raises(ConfigError) as caught:
        load()
    assert one_line(caught).endswith("not valid TOML: nested too deeply")
    _, load = settle(tmp_path, "", DATELINE_ARCHIVE__PATHS=deep)
    with pytest.raises(ConfigError) as caught:  # kept as text, which is not a list
        load()
    assert one_line(caught) == "DATELINE_ARCHIVE__PATHS: archive.paths: expected a list"


def test_dateline_check_refuses_a_grace_the_scheduler_would_refuse(tmp_path, capsys):
    config, _ = settle(tmp_path, "[digest]\nmisfire_grace = 0\n")
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"dateline: {config}: digest.misfire_grace: expected a duration from 1 second to 1 day\n"
    )
