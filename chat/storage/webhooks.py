"""Queries on webhooks, their subscriptions (one row per event type) and their deliveries."""

from __future__ import annotations

import sqlite3

from chat.models import Webhook, WebhookDelivery

DELIVERY_COLUMNS = (
    "id, webhook_id, event_id, type, payload, status, attempts, next_attempt_at,"
    " last_status_code, last_error, last_duration_ms, created_at, delivered_at"
)


def insert_webhook(
    db: sqlite3.Connection, url: str, secret: str, events: str, include_notes: bool, now: str
) -> Webhook:
    row = db.execute(
        "INSERT INTO webhooks (url, secret, events, include_notes, created_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING *",
        (url, secret, events, int(include_notes), now),
    ).fetchall()[0]
    return Webhook.from_row(row)


def insert_subscriptions(db: sqlite3.Connection, webhook_id: int, types: list[str]) -> None:
    db.executemany(
        "INSERT INTO webhook_subscriptions (event_type, webhook_id) VALUES (?, ?)",
        [(kind, webhook_id) for kind in types],
    )


def list_webhooks(db: sqlite3.Connection) -> list[Webhook]:
    rows = db.execute("SELECT * FROM webhooks ORDER BY id").fetchall()
    return [Webhook.from_row(row) for row in rows]


def get_webhook(db: sqlite3.Connection, webhook_id: int) -> Webhook | None:
    row = db.execute("SELECT * FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
    return None if row is None else Webhook.from_row(row)


def delete_webhook(db: sqlite3.Connection, webhook_id: int) -> bool:
    """Remove the endpoint; its subscriptions and deliveries go with it (ON DELETE CASCADE)."""
    cursor = db.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,))
    return cursor.rowcount == 1


def set_webhook_enabled(
    db: sqlite3.Connection, webhook_id: int, enabled: bool, reason: str | None
) -> Webhook | None:
    row = db.execute(
        "UPDATE webhooks SET enabled = ?, disabled_reason = ? WHERE id = ? RETURNING *",
        (int(enabled), None if enabled else reason, webhook_id),
    ).fetchall()
    row = row[0] if row else None
    return None if row is None else Webhook.from_row(row)


def queue_deliveries(db: sqlite3.Connection, event_type: str, event_id: int, now: str) -> int:
    """One delivery per enabled endpoint subscribed to `event_type`, due now; how many. With no
    webhooks this reads one empty index (webhook_subscriptions' primary key)."""
    cursor = db.execute(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, type, next_attempt_at, created_at)"
        " SELECT s.webhook_id, ?, ?, ?, ? FROM webhook_subscriptions s"
        " JOIN webhooks w ON w.id = s.webhook_id WHERE s.event_type = ? AND w.enabled = 1",
        (event_id, event_type, now, now, event_type),
    )
    return max(cursor.rowcount, 0)


def insert_delivery(
    db: sqlite3.Connection, webhook_id: int, type_: str, payload: str, now: str
) -> WebhookDelivery:
    """A delivery of no stored event (webhook.test): its data travels in `payload`."""
    row = db.execute(
        "INSERT INTO webhook_deliveries (webhook_id, type, payload, next_attempt_at, created_at)"
        f" VALUES (?, ?, ?, ?, ?) RETURNING {DELIVERY_COLUMNS}",
        (webhook_id, type_, payload, now, now),
    ).fetchall()[0]
    return WebhookDelivery.from_row(row)


def list_deliveries(db: sqlite3.Connection, webhook_id: int, limit: int) -> list[WebhookDelivery]:
    """The endpoint's newest deliveries first."""
    rows = db.execute(
        f"SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = ?"
        " ORDER BY id DESC LIMIT ?",
        (webhook_id, limit),
    ).fetchall()
    return [WebhookDelivery.from_row(row) for row in rows]


def list_due_deliveries(db: sqlite3.Connection, now: str, limit: int) -> list[WebhookDelivery]:
    """Pending deliveries of enabled endpoints whose time (or lease) has come, oldest first."""
    rows = db.execute(
        f"SELECT {', '.join('d.' + c.strip() for c in DELIVERY_COLUMNS.split(','))}"
        " FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
        " WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND w.enabled = 1"
        " ORDER BY d.next_attempt_at, d.id LIMIT ?",
        (now, limit),
    ).fetchall()
    return [WebhookDelivery.from_row(row) for row in rows]


def lease_delivery(
    db: sqlite3.Connection, delivery_id: int, seen_next_attempt: str, lease_until: str
) -> bool:
    """Claim a due delivery: only the node that saw it as it still is wins."""
    cursor = db.execute(
        "UPDATE webhook_deliveries SET next_attempt_at = ?"
        " WHERE id = ? AND next_attempt_at = ? AND status = 'pending'",
        (lease_until, delivery_id, seen_next_attempt),
    )
    return cursor.rowcount == 1


def get_delivery_body(db: sqlite3.Connection, delivery_id: int) -> tuple[str, str] | None:
    """What a delivery sends: (data JSON, the event's time); None once the delivery is gone."""
    row = db.execute(
        "SELECT COALESCE(d.payload, e.data) AS data, COALESCE(e.created_at, d.created_at) AS at"
        " FROM webhook_deliveries d LEFT JOIN events e ON e.id = d.event_id WHERE d.id = ?",
        (delivery_id,),
    ).fetchone()
    return None if row is None else (row["data"], row["at"])


def record_attempt(
    db: sqlite3.Connection,
    delivery_id: int,
    status: str,
    code: int | None,
    error: str | None,
    duration_ms: int,
    next_attempt_at: str,
    delivered_at: str | None,
) -> None:
    """The outcome of one attempt: delivered, pending (retried at next_attempt_at) or failed."""
    db.execute(
        "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1,"
        " last_status_code = ?, last_error = ?, last_duration_ms = ?, next_attempt_at = ?,"
        " delivered_at = COALESCE(?, delivered_at) WHERE id = ?",
        (status, code, error, duration_ms, next_attempt_at, delivered_at, delivery_id),
    )


def retry_delivery(
    db: sqlite3.Connection, webhook_id: int, delivery_id: int, now: str
) -> WebhookDelivery | None:
    """Due now again, whatever its status; its attempts are kept."""
    row = db.execute(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?"
        f" WHERE id = ? AND webhook_id = ? RETURNING {DELIVERY_COLUMNS}",
        (now, delivery_id, webhook_id),
    ).fetchall()
    row = row[0] if row else None
    return None if row is None else WebhookDelivery.from_row(row)
