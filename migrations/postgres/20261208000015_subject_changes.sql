-- ⑥ 情報の更新 (#22): every change to a person's details after registration, field by field
-- with before and after, who and when. It is part of the person's record (the audit log names
-- only the fields), so it is retired with the enrollment's personal data.
CREATE TABLE subject_changes (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    subject_id    BIGINT NOT NULL REFERENCES subjects (id),
    actor_user_id BIGINT REFERENCES users (id),
    -- JSON: [{"field", "before", "after"}]
    changes       TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX subject_changes_enrollment ON subject_changes (enrollment_id, id);
