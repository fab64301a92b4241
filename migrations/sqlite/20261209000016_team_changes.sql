-- Team changes after registration (#22): a member removed takes effect at once; the row leaves
-- team_members (so every access rule that reads the team sees it gone) and is kept here with
-- the reason, who and when.
CREATE TABLE team_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    -- removed
    kind          TEXT NOT NULL,
    office_id     INTEGER NOT NULL REFERENCES offices (id),
    -- JSON: the member as they were listed (profession, name, phone, user_id)
    member        TEXT NOT NULL,
    reason        TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    at            TEXT NOT NULL
);
CREATE INDEX team_changes_enrollment ON team_changes (enrollment_id, id);
