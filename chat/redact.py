"""A log filter that keeps session keys and tokens out of access and error logs."""

from __future__ import annotations

import logging
import re

SECRET_IN_PATH = re.compile(
    r"(/public/session/|/ws/public/|/setup/|[?&](?:token|session_key|access_token)=)[^/?&\s\"]+"
)


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(r"\1[redacted]", text)


class RedactSecrets(logging.Filter):
    """Rewrites any argument of a log record that carries a session key or a token."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install(*logger_names: str) -> None:
    for name in logger_names or ("uvicorn.access", "uvicorn.error", "uvicorn"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
