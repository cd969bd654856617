"""The hub: fan-out to this process's sockets, and the backplane between processes."""

from chat.hub.backplane import Backplane, MemoryBackplane
from chat.hub.hub import Hub

__all__ = ["Hub", "backplane_for"]


def backplane_for(url: str) -> Backplane:
    """The backplane a URL names: `memory://` (one process) or `redis://host:port/db`."""
    if url.startswith("memory://"):
        return MemoryBackplane()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from chat.hub.redis import RedisBackplane  # only a cluster needs redis-py loaded

        return RedisBackplane(url)
    raise ValueError(f"unsupported backplane URL {url!r}: use memory:// or redis://")
