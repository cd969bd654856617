-- Issue #22, webhooks (Standard Webhooks 1.0). An endpoint, the event types it takes (one row
-- each, so that queueing an event's deliveries is one indexed INSERT ... SELECT: with no
-- webhooks it reads an empty index), and one delivery row per event and endpoint, written in
-- the transaction that appends the event: a delivery exists if and only if its event committed.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL,
    secret          TEXT    NOT NULL,
    events          TEXT    NOT NULL,
    include_notes   INTEGER NOT NULL DEFAULT 0,
    enabled         INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      TEXT    NOT NULL
);

CREATE TABLE webhook_subscriptions (
    event_type  TEXT    NOT NULL,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    PRIMARY KEY (event_type, webhook_id)
);

-- event_id is null for a test delivery (type webhook.test), whose data is in `payload`.
-- next_attempt_at is also the lease: a node claims a delivery by moving it (a compare and set).
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         INTEGER REFERENCES events (id),
    type             TEXT    NOT NULL,
    payload          TEXT,
    status           TEXT    NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    last_status_code INTEGER,
    last_error       TEXT,
    last_duration_ms INTEGER,
    created_at       TEXT    NOT NULL,
    delivered_at     TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
