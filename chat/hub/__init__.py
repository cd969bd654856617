"""The hub: fan-out to this process's sockets, and the backplane between processes."""

from chat.hub.hub import Hub

__all__ = ["Hub"]
