-- Outbound e-mail (SQLite). Keep in step with migrations/postgres.
-- A row is written in the same transaction as the event that causes it; a job sends it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- what makes the e-mail unique (e.g. resend:<enrollment>:<audit id>): written once
    idempotency_key TEXT NOT NULL UNIQUE,
    -- stable across retries, so a resend after a crash is recognisable
    message_id      TEXT NOT NULL UNIQUE,
    template        TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    to_name         TEXT,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    -- the enrollment or office it is about, for the screens
    target_kind     TEXT,
    target_id       INTEGER,
    -- pending -> sent | failed
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- a worker is sending it until then
    claimed_until   TEXT,
    -- the server's reply to the last failed attempt
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_created ON outbox (created_at);
CREATE INDEX outbox_target ON outbox (target_kind, target_id);
