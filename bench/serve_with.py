"""Our app, unchanged, under another ASGI server: `python -m bench.serve_with SERVER [flags]`.

SERVER is `granian` (its ASGI interface, embedded in this process so that one process's CPU is
measured) or `hypercorn`; the flags are app.py's. Both run on uvloop, as uvicorn does here.
For bench.servers (issue #24); uvicorn itself is `python app.py --ws IMPL`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import uvloop

from chat.application import create_app
from chat.config import Settings


def main(argv: Sequence[str]) -> None:
    server, flags = argv[0], argv[1:]
    settings = Settings.from_args(flags)
    app = create_app(settings)
    if server == "granian":
        from granian.constants import Interfaces
        from granian.server.embed import Server

        granian = Server(
            app, settings.host, settings.port, interface=Interfaces.ASGI, log_access=False
        )
        uvloop.run(granian.serve())
    elif server == "hypercorn":
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        config = Config()
        config.bind = [f"{settings.host}:{settings.port}"]
        config.websocket_max_message_size = settings.limits.frame_max_bytes
        config.accesslog = None
        uvloop.run(serve(app, config))  # type: ignore[arg-type]
    else:
        raise SystemExit(f"unknown server {server!r}: granian or hypercorn")


if __name__ == "__main__":
    main(sys.argv[1:])
