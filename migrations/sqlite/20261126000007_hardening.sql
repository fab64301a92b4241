-- Hardening (SQLite). Keep in step with migrations/postgres.

-- Failed sign-ins, by a hash of the login id and of the address: too many in a while and
-- sign-in is refused for a time, across nodes.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (key, at);

-- Who read which person's data (an enrollment, its form, its FAX pages), and how.
CREATE TABLE data_reads (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    user_id     INTEGER REFERENCES users (id),
    role        TEXT NOT NULL,
    -- enrollment_page, enrollment_api, consent_form, fax_page_image …
    what        TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id   INTEGER NOT NULL
);
CREATE INDEX data_reads_target ON data_reads (target_kind, target_id, at);
CREATE INDEX data_reads_user ON data_reads (user_id, at);

-- When a send job was last queued for an outbox row: the dispatcher does not queue another
-- while that one may still be waiting for a worker.
ALTER TABLE outbox ADD COLUMN queued_at TEXT;
