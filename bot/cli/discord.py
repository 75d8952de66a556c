"""``dateline run`` (the bot) and ``dateline invite`` (the link to add it)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

from bot.cli.common import add_common_arguments, open_app, settings_from
from bot.cluster.topology import resolve

log = logging.getLogger(__name__)


def register(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser("run", help="run the Discord bot (token in DISCORD_TOKEN)")
    add_common_arguments(run)
    run.set_defaults(handler=run_bot)

    invite = commands.add_parser("invite", help="print the link that adds the bot to a server")
    invite.add_argument("--client-id", type=int, help="application id (else read with the token)")
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
    return runner.run(app)


def print_invite(args: argparse.Namespace) -> int:
    from bot.discord import runner
    from bot.invite import invite_url

    client_id = args.client_id
    if client_id is None:
        settings = settings_from(args)
        token = runner.read_token(settings, os.environ)
        client_id = asyncio.run(
            runner.fetch_application_id(token, runner.api_base(settings, os.environ))
        )
    print(invite_url(client_id))
    return 0
