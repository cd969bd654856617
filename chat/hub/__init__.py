"""The hub: fan-out to this process's sockets, and the backplane between processes."""

from chat.hub.backplane import Backplane, MemoryBackplane
from chat.hub.hub import Hub
from chat.hub.presence import PresenceBoard
from chat.hub.redis import RedisBackplane
from chat.hub.shared_presence import RedisPresenceBoard

__all__ = ["Hub", "backplane_for", "presence_board"]


def backplane_for(url: str) -> Backplane:
    """The backplane a URL names: `memory://` (one process) or `redis://host:port/db`."""
    if url.startswith("memory://"):
        return MemoryBackplane()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisBackplane(url)
    raise ValueError(f"unsupported backplane URL {url!r}: use memory:// or redis://")


def presence_board(hub: Hub, grace: float) -> PresenceBoard:
    """The team's presence: this process's sockets, or every node's with the Redis backplane."""
    if isinstance(hub.backplane, RedisBackplane):
        return RedisPresenceBoard(hub, grace, hub.backplane)
    return PresenceBoard(hub, grace)
