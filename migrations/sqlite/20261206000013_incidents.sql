-- 報告義務 (#21): staff report information-security incidents and system trouble; the city
-- works each report 受付 → 対応中 → 完了 with notes, and may suspend a login or revoke a PC from
-- it. Every step is kept (incident_events); nothing is deleted.
CREATE TABLE incidents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- the reporter's office (NULL for the centre's and the city's own reports)
    office_id   INTEGER REFERENCES offices (id),
    reporter_id INTEGER NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    what        TEXT NOT NULL,
    done_so_far TEXT NOT NULL,
    involved    TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX incidents_office ON incidents (office_id, created_at);
CREATE INDEX incidents_state ON incidents (state, created_at);

CREATE TABLE incident_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    actor_id    INTEGER REFERENCES users (id),
    from_state  TEXT,
    to_state    TEXT,
    note        TEXT NOT NULL,
    -- a step taken from the report: suspend_user or revoke_device, and on whom
    action      TEXT,
    target_id   INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id);
