"""When an email that was not delivered is tried again: the schedule the continuity emails and
the rating emails share (chat/service/email.py, chat/service/csat_email.py)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

LEASE = 120  # seconds a node holds an email while it sends
RETRIES = (10, 30, 60, 300, 900, 1800, 3600)  # seconds before each retry, then hourly
GIVE_UP = timedelta(hours=24)  # after a day of failures: "email not delivered" for good


def next_attempt(attempts: int, now: datetime) -> tuple[datetime, bool]:
    """After the failure of attempt `attempts + 1` at `now`: when to try again (with jitter, so
    that a cluster's nodes spread out), and whether to give up."""
    wait = RETRIES[min(attempts, len(RETRIES) - 1)] * random.uniform(0.8, 1.2)
    first_failure = now - timedelta(seconds=sum(RETRIES[:attempts]))
    return now + timedelta(seconds=wait), now - first_failure >= GIVE_UP
