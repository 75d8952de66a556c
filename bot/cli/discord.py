"""``dateline run`` (the bot) and ``dateline invite`` (the link to add it)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

from bot.cli.args import whole_number
from bot.cli.common import add_common_arguments, open_app, settings_from
from bot.cluster.topology import resolve
from bot.errors import ConfigError

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser(
        "run",
        help="run the Discord bot (token in DISCORD_TOKEN or discord.token_file)",
        description="Run the Discord bot until SIGTERM or Ctrl-C; SIGHUP reloads the archive. "
        "Health and metrics are served on observe.listen (default 127.0.0.1:9108).",
    )
    add_common_arguments(run)
    run.set_defaults(handler=run_bot)

    invite = commands.add_parser(
        "invite",
        help="print the link that adds the bot to a server",
        description="Print the link that adds the bot to a server. Give the Application ID "
        "(Developer Portal, General Information) with --client-id, or a token to look it up.",
    )
    invite.add_argument(
        "--client-id",
        type=whole_number(1, 2**63 - 1),
        metavar="ID",
        help="the Application ID (else looked up with the token)",
    )
    add_common_arguments(invite)
    invite.set_defaults(handler=print_invite)


def run_bot(args: argparse.Namespace) -> int:
    from bot.discord import runner

    settings = settings_from(args)
    runner.read_token(settings, os.environ)  # fail fast, before loading the archive
    topology = resolve(settings.cluster, settings.store.url)  # one line if it can't run
    from bot.observe.server import ObserveServer

    listen = settings.observe.listen
    app = open_app(args, endpoint=ObserveServer(listen) if listen else None)
    log.info("Running %s", topology.describe())
    app.archive.current.require_articles()
    from bot.search.subjects import conversation_rates

    conversation_rates()  # everyday word rates load now (~0.6 s), not in the first /search
    return runner.run(app)


def print_invite(args: argparse.Namespace) -> int:
    from bot.discord import runner
    from bot.invite import invite_url

    client_id = args.client_id
    if client_id is None:
        settings = settings_from(args)
        try:
            token = runner.read_token(settings, os.environ)
        except ConfigError as exc:
            raise ConfigError(
                f"{exc}; or give the Application ID without a token: "
                "dateline invite --client-id ID (Developer Portal, General Information)"
            ) from None
        client_id = asyncio.run(
            runner.fetch_application_id(token, runner.api_base(settings, os.environ))
        )
    print(invite_url(client_id))
    return 0
