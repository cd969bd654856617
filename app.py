"""Switchboard: `python app.py` serves the app; `python app.py create-agent` adds an agent."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import os
import sys
from collections.abc import Sequence

import uvicorn

from chat import redact
from chat.application import create_app
from chat.auth import Accounts
from chat.config import Settings
from chat.errors import ChatError
from chat.models import Role
from chat.storage.postgres import open_database
from chat.transport import uvicorn_ws

PASSWORD_VARIABLE = "SWITCHBOARD_AGENT_PASSWORD"


def serve(argv: Sequence[str]) -> None:
    settings = Settings.from_args(argv)
    # What startup made (modules, the app, the knowledge base's model) lives as long as the
    # process: frozen out of the collector's full passes, which otherwise walk it all again
    # and again while sockets come and go (issue #24: while 2,050 sockets opened, those passes
    # took 1.15 to 1.18 s in all, 0.19 to 0.26 s frozen).
    app = create_app(settings, on_started=gc.freeze)
    redact.install()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        ws=uvicorn_ws(settings.ws_impl),
        ws_max_size=settings.limits.frame_max_bytes,
        ws_per_message_deflate=settings.ws_deflate,
        ws_ping_interval=20,  # finds dead peers: no pong within 20 s closes the socket
        ws_ping_timeout=20,
        server_header=False,
    )


async def _create_agent(
    settings: Settings, email: str, name: str, password: str, role: Role
) -> str:
    db = open_database(settings)
    await db.open()
    try:
        agent = await Accounts(db, settings.with_secret()).create_agent(email, name, password, role)
    finally:
        await db.close()
    return f"Created {agent.role.value} {agent.name} <{agent.email}> (id {agent.id})."


def create_agent(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python app.py create-agent",
        description=f"Add an agent. The password is asked for, or read from ${PASSWORD_VARIABLE}.",
    )
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--admin", action="store_true", help="give the agent the admin role")
    parser.add_argument(
        "--database", default=os.environ.get("SWITCHBOARD_DATABASE", "data/chat.db")
    )
    args = parser.parse_args(argv)
    password = os.environ.get(PASSWORD_VARIABLE) or getpass.getpass("Password: ")
    settings = Settings.from_args(["--database", args.database])
    role = Role.ADMIN if args.admin else Role.AGENT
    try:
        print(asyncio.run(_create_agent(settings, args.email, args.name, password, role)))
    except ChatError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str]) -> int:
    if argv and argv[0] == "create-agent":
        return create_agent(argv[1:])
    serve(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
