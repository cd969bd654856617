"""Several nodes of one cluster in this test's event loop: each app under its own uvicorn on
127.0.0.1, all on one SQLite file and one real Redis (SWITCHBOARD_TEST_REDIS, by default
redis://127.0.0.1:6379/0), with a key prefix of their own that is deleted afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace

import pytest
import redis.asyncio as aioredis

from chat.config import Settings
from chat.hub.redis import RedisBackplane
from tests.sockets import Server, running

REDIS_URL = os.environ.get("SWITCHBOARD_TEST_REDIS", "redis://127.0.0.1:6379/0")


@asynccontextmanager
async def shared_redis() -> AsyncIterator[tuple[aioredis.Redis, str]]:
    """A client of the test Redis and a fresh key prefix; fails (never skips) when Redis is
    not there, since these tests are the only proof that the cluster works."""
    client = aioredis.Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=2)
    try:
        await client.ping()
    except (aioredis.RedisError, OSError) as error:
        await client.aclose()
        pytest.fail(
            f"no Redis at {REDIS_URL} ({error}): start one (apt-get install redis-server) "
            "or point SWITCHBOARD_TEST_REDIS at one"
        )
    prefix = f"swtest-{secrets.token_hex(4)}"
    try:
        yield client, prefix
    finally:
        keys = [key async for key in client.scan_iter(f"{prefix}:*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@asynccontextmanager
async def cluster(settings: Settings, nodes: int = 2) -> AsyncIterator[list[Server]]:
    """`nodes` servers of one cluster, started one after the other (the first migrates)."""
    async with shared_redis() as (_, prefix), AsyncExitStack() as stack:
        url = f"{REDIS_URL}{'&' if '?' in REDIS_URL else '?'}prefix={prefix}"
        node_settings = replace(settings, backplane_url=url)
        servers = [await stack.enter_async_context(running(node_settings)) for _ in range(nodes)]
        yield servers


def backplane(server: Server) -> RedisBackplane:
    found = server.app.state.hub.backplane
    assert isinstance(found, RedisBackplane)
    return found
