"""Check what the bot sends against Discord's official OpenAPI description.

Runs ``dateline run`` against the loopback fake, drives each slash command once,
and validates every recorded request body (command sync, interaction callbacks,
webhook follow-ups and edits, channel messages) against the matching operation's
request schema in ``../shared/discord/openapi.json``:

    python bench/check_openapi.py [--spec PATH] [--archive PATH]

Formats are checked too (an embed's ``url`` is ``format: uri``, which needs
rfc3986-validator, installed with the test extra). Real discord.py traffic
needs three allowances, as the spec's README says:
integer fields may come as digit strings; snowflake fields may come as JSON
integers; a ``nonce`` matching both branches of a ``oneOf`` is not an error.
The spec allows 4,000 characters of message content; Discord's limit is 2,000,
so content is checked against that separately. Not part of the test suite
(the spec is not in this repository).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.fake_discord.process import eventually, start_bot  # noqa: E402

DEFAULT_SPEC = ROOT.parent / "shared" / "discord" / "openapi.json"
SPEC_URI = "urn:discord-openapi"
CONTENT_LIMIT = 2000
COMMANDS = [
    ("search", {"query": "handover ceremony"}),
    ("search", {"query": "zzzz qqqq"}),
    ("article", {"query": "handover"}),
    ("onthisday", {"date": "03-26"}),
    ("random", {}),
    ("stats", {}),
    ("invite", {}),
    ("help", {}),
]
# Our recorded path -> the spec's path template and method.
ROUTES = [
    (re.compile(r"^/applications/\d+/commands$"), "/applications/{application_id}/commands", "put"),
    (
        re.compile(r"^/interactions/\d+/[^/]+/callback$"),
        "/interactions/{interaction_id}/{interaction_token}/callback",
        "post",
    ),
    (re.compile(r"^/webhooks/\d+/[^/]+$"), "/webhooks/{webhook_id}/{webhook_token}", "post"),
    (
        re.compile(r"^/webhooks/\d+/[^/]+/messages/@original$"),
        "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        "patch",
    ),
    (re.compile(r"^/channels/\d+/messages$"), "/channels/{channel_id}/messages", "post"),
]


def pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validator_for(spec: dict, registry: Registry, template: str, method: str):
    schema_path = pointer(
        "paths", template, method, "requestBody", "content", "application/json", "schema"
    )
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/{schema_path}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,  # "uri" by rfc3986-validator
    )


def allowed(error) -> bool:
    """The three allowances for real discord.py traffic."""
    instance = error.instance
    if isinstance(instance, str) and instance.isdigit() and "integer" in str(error.schema):
        return True
    if (
        isinstance(instance, int)
        and not isinstance(instance, bool)
        and "snowflake" in str(error.schema).lower()
    ):
        return True
    return "nonce" in error.absolute_path and "valid under each of" in error.message


def real_errors(validator, body) -> list[str]:
    problems = []
    for error in validator.iter_errors(body):
        leaves = list(error.context) if error.context else [error]
        if all(allowed(leaf) for leaf in leaves) or allowed(error):
            continue
        where = "/".join(map(str, error.absolute_path)) or "(body)"
        problems.append(f"{where}: {error.message[:200]}")
    return problems


def content_lengths(body) -> list[str]:
    data = body.get("data", body) if isinstance(body, dict) else {}
    content = data.get("content") if isinstance(data, dict) else None
    if content and len(content) > CONTENT_LIMIT:
        return [f"content: {len(content)} characters (Discord allows {CONTENT_LIMIT})"]
    return []


async def record(archive: Path) -> list:
    fake = FakeDiscord()
    await fake.start()
    with tempfile.TemporaryDirectory() as workdir:
        process = await start_bot(fake, Path(workdir), archive)
        try:
            await fake.wait_connected(timeout=120)
            await eventually(lambda: _true(fake.commands), timeout=60)
            for number, (name, options) in enumerate(COMMANDS):
                token = await fake.inject_command(
                    name, user_id=1_400_000_000_000_000_000 + number, **options
                )
                await fake.wait_callback(token)
            await asyncio.sleep(1.0)  # let follow-ups (deferred /stats) arrive
        finally:
            process.terminate()
            await process.wait()
            await fake.stop()
    return fake.requests


async def _true(value: object) -> bool:
    return bool(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--archive", type=Path, default=ROOT / "seeds")
    args = parser.parse_args()
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    requests = asyncio.run(record(args.archive))
    checked = failed = 0
    for request in requests:
        route = next((r for r in ROUTES if r[0].match(request.path)), None)
        if route is None or request.method.lower() != route[2] or request.body is None:
            continue
        checked += 1
        problems = real_errors(validator_for(spec, registry, route[1], route[2]), request.body)
        problems += content_lengths(request.body)
        status = "ok" if not problems else "INVALID"
        print(f"{status:7} {request.method} {request.path}")
        for problem in problems:
            print(f"        {problem}")
        failed += bool(problems)
    print(f"\n{checked} requests checked against the spec, {failed} invalid")
    sys.exit(1 if failed or not checked else 0)


if __name__ == "__main__":
    main()
