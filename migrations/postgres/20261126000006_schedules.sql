-- Schedules and security training (PostgreSQL). Keep in step with migrations/sqlite.

-- One row per schedule firing: the primary key makes each slot fire once across nodes.
CREATE TABLE schedule_firings (
    name        TEXT NOT NULL,
    slot        TIMESTAMPTZ NOT NULL,
    claimed_at  TIMESTAMPTZ NOT NULL,
    -- how many times the work ran for this slot (1, unless a job was retried after a crash)
    runs        BIGINT NOT NULL DEFAULT 0,
    finished_at TIMESTAMPTZ,
    PRIMARY KEY (name, slot)
);

-- 2(2)① セキュリティ研修: each office trains its staff about once a year.
CREATE TABLE trainings (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    office_id       BIGINT NOT NULL REFERENCES offices (id),
    held_on         DATE NOT NULL,
    topic           TEXT NOT NULL,
    attendees       BIGINT NOT NULL,
    attachment_name TEXT,
    attachment_sha  TEXT REFERENCES blobs (sha256),
    recorded_by     BIGINT REFERENCES users (id),
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX trainings_office ON trainings (office_id, held_on);
