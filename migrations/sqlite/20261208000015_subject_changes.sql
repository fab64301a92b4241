-- ⑥ 情報の更新 (#22): every change to a person's details after registration, field by field
-- with before and after, who and when. It is part of the person's record (the audit log names
-- only the fields), so it is retired with the enrollment's personal data.
CREATE TABLE subject_changes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    subject_id    INTEGER NOT NULL REFERENCES subjects (id),
    actor_user_id INTEGER REFERENCES users (id),
    -- JSON: [{"field", "before", "after"}]
    changes       TEXT NOT NULL,
    at            TEXT NOT NULL
);
CREATE INDEX subject_changes_enrollment ON subject_changes (enrollment_id, id);
