-- Schedules and security training (SQLite). Keep in step with migrations/postgres.

-- One row per schedule firing: the primary key makes each slot fire once across nodes.
CREATE TABLE schedule_firings (
    name        TEXT NOT NULL,
    slot        TEXT NOT NULL,
    claimed_at  TEXT NOT NULL,
    -- how many times the work ran for this slot (1, unless a job was retried after a crash)
    runs        INTEGER NOT NULL DEFAULT 0,
    finished_at TEXT,
    PRIMARY KEY (name, slot)
);

-- 2(2)① セキュリティ研修: each office trains its staff about once a year.
CREATE TABLE trainings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id       INTEGER NOT NULL REFERENCES offices (id),
    held_on         TEXT NOT NULL,
    topic           TEXT NOT NULL,
    attendees       INTEGER NOT NULL,
    attachment_name TEXT,
    attachment_sha  TEXT REFERENCES blobs (sha256),
    recorded_by     INTEGER REFERENCES users (id),
    created_at      TEXT NOT NULL
);
CREATE INDEX trainings_office ON trainings (office_id, held_on);
