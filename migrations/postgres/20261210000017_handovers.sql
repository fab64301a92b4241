-- Handing over after registration (#22): a new obtainer office for an enrollment, a login
-- moving to another office, an office closing. Each is a request one side makes and the other
-- answers (state: open, accepted, declined, withdrawn); at most one open per subject.
CREATE TABLE obtainer_changes (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id  BIGINT NOT NULL REFERENCES enrollments (id),
    from_office_id BIGINT NOT NULL REFERENCES offices (id),
    from_user_id   BIGINT NOT NULL REFERENCES users (id),
    to_office_id   BIGINT NOT NULL REFERENCES offices (id),
    -- the new care manager, chosen when the new office accepts
    to_user_id     BIGINT REFERENCES users (id),
    reason         TEXT NOT NULL,
    state          TEXT NOT NULL,
    asked_by       BIGINT REFERENCES users (id),
    asked_at       TIMESTAMPTZ NOT NULL,
    answered_by    BIGINT REFERENCES users (id),
    answered_at    TIMESTAMPTZ,
    note           TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX obtainer_changes_open ON obtainer_changes (enrollment_id) WHERE state = 'open';
CREATE INDEX obtainer_changes_enrollment ON obtainer_changes (enrollment_id, id);
CREATE INDEX obtainer_changes_to ON obtainer_changes (to_office_id) WHERE state = 'open';

CREATE TABLE staff_transfers (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        BIGINT NOT NULL REFERENCES users (id),
    from_office_id BIGINT NOT NULL REFERENCES offices (id),
    to_office_id   BIGINT NOT NULL REFERENCES offices (id),
    state          TEXT NOT NULL,
    asked_by       BIGINT REFERENCES users (id),
    asked_at       TIMESTAMPTZ NOT NULL,
    answered_by    BIGINT REFERENCES users (id),
    answered_at    TIMESTAMPTZ,
    note           TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX staff_transfers_open ON staff_transfers (user_id) WHERE state = 'open';
CREATE INDEX staff_transfers_offices ON staff_transfers (from_office_id, to_office_id);

CREATE TABLE office_closures (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    office_id   BIGINT NOT NULL REFERENCES offices (id),
    reason      TEXT NOT NULL,
    state       TEXT NOT NULL,
    asked_by    BIGINT REFERENCES users (id),
    asked_at    TIMESTAMPTZ NOT NULL,
    answered_by BIGINT REFERENCES users (id),
    answered_at TIMESTAMPTZ,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX office_closures_open ON office_closures (office_id) WHERE state = 'open';
CREATE INDEX office_closures_office ON office_closures (office_id, id);

-- A person replaced within the same office: the member as they became (JSON), beside `member`
-- as they were.
ALTER TABLE team_changes ADD COLUMN replacement TEXT;
