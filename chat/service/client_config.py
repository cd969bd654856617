"""What the server tells its clients about itself, built in one place: the limits it holds them
to (in the public config and in `connection.ready` on both sockets) and, in the public config,
whether anyone is there to answer. Clients take these instead of hard-coding them."""

from __future__ import annotations

from typing import Any

from chat.attachments import EXTENSIONS
from chat.config import Limits, Settings


def client_limits(limits: Limits) -> dict[str, Any]:
    """The longest message (characters, after trimming), the largest file (bytes) and the file
    name extensions accepted (the type itself is read from the content)."""
    return {
        "content_max": limits.content_max,
        "attachment_max_bytes": limits.attachment_max_bytes,
        "attachment_types": list(EXTENSIONS),
    }


def public_config(settings: Settings, agents_available: bool) -> dict[str, Any]:
    """GET /api/v1/chat/public/config: what the widget needs before it has a socket."""
    return {"limits": client_limits(settings.limits), "agents_available": agents_available}
