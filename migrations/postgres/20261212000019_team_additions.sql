-- Adding members to an active team (#22): the person consents on a 支援チームメンバー追加同意書;
-- the members wait here (追加待ち: state open) until the centre verifies the copy, then join
-- team_members. At most one open addition per enrollment: its pages (QR kind TA, the
-- enrollment's code) are matched to it.
CREATE TABLE team_additions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    -- JSON: [{office_id, user_id, profession, name, phone}]
    members       TEXT NOT NULL,
    form_version  BIGINT NOT NULL,
    state         TEXT NOT NULL,
    asked_by      BIGINT REFERENCES users (id),
    asked_at      TIMESTAMPTZ NOT NULL,
    answered_by   BIGINT REFERENCES users (id),
    answered_at   TIMESTAMPTZ,
    note          TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX team_additions_open ON team_additions (enrollment_id) WHERE state = 'open';
CREATE INDEX team_additions_enrollment ON team_additions (enrollment_id, id);
ALTER TABLE fax_pages ADD COLUMN addition_id BIGINT REFERENCES team_additions (id);
