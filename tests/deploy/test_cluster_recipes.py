"""The cluster recipes (systemd template unit, Kubernetes StatefulSet) name only real settings.

Neither systemd nor Kubernetes runs here, so the recipes are read as data:
every ``DATELINE_*`` variable is a real setting, and the values each instance
or pod would get make a valid configuration whose slice resolves as intended.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.cluster.topology import resolve
from bot.config import load_settings
from bot.paths import DATA_DIR_ENV
from tests.deploy.test_files import env_settings
from tests.test_docs import settings_keys

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = (ROOT / "deploy" / "systemd" / "dateline@.service").read_text(encoding="utf-8")
MANIFESTS = list(
    yaml.safe_load_all((ROOT / "deploy" / "kubernetes" / "statefulset.yaml").read_text("utf-8"))
)
[STATEFULSET] = [m for m in MANIFESTS if m["kind"] == "StatefulSet"]
[CONTAINER] = STATEFULSET["spec"]["template"]["spec"]["containers"]
STORE = "postgresql+asyncpg://dateline@db:5432/dateline"
# What every instance's /etc/dateline/config.toml must add, as the unit's header says.
SHARED = {"DATELINE_CLUSTER__SHARD_COUNT": "4", "DATELINE_CLUSTER__SIZE": "2"}


def template_environment(instance: int) -> dict[str, str]:
    pairs = re.findall(r"^Environment=(\S+?)=(\S+)$", TEMPLATE, flags=re.M)
    return {name: value.replace("%i", str(instance)) for name, value in pairs}


def test_the_template_unit_names_only_real_settings():
    keys = settings_keys()
    assert [k for k in env_settings(template_environment(0)) if k not in keys] == []
    assert "DATELINE_CLUSTER__INDEX=%i" in TEMPLATE
    assert "StateDirectory=dateline\n" in TEMPLATE  # one shared index cache per machine
    assert template_environment(0)[DATA_DIR_ENV] == "/var/lib/dateline"


def test_each_instance_runs_its_own_slice_on_its_own_endpoint():
    slices, endpoints = [], set()
    for instance in (0, 1):
        environ = {**template_environment(instance), **SHARED, "DATELINE_STORE__URL": STORE}
        environ.pop(DATA_DIR_ENV)
        settings = load_settings(None, environ=environ)
        slices.append(resolve(settings.cluster, settings.store.url).shard_ids)
        endpoints.add(settings.observe.listen)
    assert slices == [(0, 2), (1, 3)]
    assert len(endpoints) == 2


def container_environment() -> dict[str, str]:
    environ = {}
    for variable in CONTAINER["env"]:
        if "valueFrom" in variable:  # from the Secret: stands for its value here
            environ[variable["name"]] = STORE
        else:
            environ[variable["name"]] = variable["value"]
    return environ


def test_the_statefulset_names_only_real_settings_and_takes_secrets_from_secrets():
    environ = container_environment()
    keys = settings_keys()
    assert [k for k in env_settings(environ) if k not in keys] == []
    [url] = [v for v in CONTAINER["env"] if v["name"] == "DATELINE_STORE__URL"]
    assert url["valueFrom"]["secretKeyRef"]["name"] == "dateline"
    token_file = Path(environ["DATELINE_DISCORD__TOKEN_FILE"])
    [mount] = [m for m in CONTAINER["volumeMounts"] if m["name"] == "token"]
    assert token_file.parent == Path(mount["mountPath"])
    [volume] = [
        v for v in STATEFULSET["spec"]["template"]["spec"]["volumes"] if v["name"] == "token"
    ]
    assert volume["secret"]["items"][0]["path"] == token_file.name


def test_each_pod_runs_the_slice_of_its_ordinal_and_replicas_match_the_size():
    settings = load_settings(None, environ=container_environment())
    assert settings.cluster.index == "hostname"
    replicas = STATEFULSET["spec"]["replicas"]
    assert settings.cluster.size == replicas
    slices = [
        resolve(settings.cluster, settings.store.url, f"{STATEFULSET['metadata']['name']}-{n}")
        for n in range(replicas)
    ]
    shards = sorted(s for t in slices for s in t.shard_ids)
    assert shards == list(range(settings.cluster.shard_count))
