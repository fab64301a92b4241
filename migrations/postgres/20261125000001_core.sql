-- consentflow core schema (PostgreSQL). Keep in step with migrations/sqlite.
CREATE TABLE offices (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    fax         TEXT NOT NULL,
    address     TEXT NOT NULL,
    admin_email TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX offices_name_phone ON offices (name, phone);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT,
    role          TEXT NOT NULL CHECK (role IN ('staff', 'office_admin', 'centre', 'city_admin')),
    office_id     BIGINT REFERENCES offices (id),
    password_hash TEXT,
    suspended     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE subjects (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name             TEXT NOT NULL,
    kana             TEXT NOT NULL,
    birth_date       DATE NOT NULL,
    sex              TEXT NOT NULL,
    address          TEXT NOT NULL,
    phone            TEXT NOT NULL,
    insurance_number TEXT,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE enrollments (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code               TEXT NOT NULL UNIQUE,
    subject_id         BIGINT NOT NULL REFERENCES subjects (id),
    obtainer_user_id   BIGINT NOT NULL REFERENCES users (id),
    obtainer_office_id BIGINT NOT NULL REFERENCES offices (id),
    state              TEXT NOT NULL,
    form_version       BIGINT,
    consent_date       DATE,
    signer             TEXT,
    proxy_relationship TEXT,
    revision           BIGINT NOT NULL DEFAULT 0,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX enrollments_office ON enrollments (obtainer_office_id);
CREATE INDEX enrollments_state ON enrollments (state);

CREATE TABLE team_members (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    office_id     BIGINT NOT NULL REFERENCES offices (id),
    user_id       BIGINT REFERENCES users (id),
    profession    TEXT NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    position      BIGINT NOT NULL
);
CREATE INDEX team_members_enrollment ON team_members (enrollment_id);
CREATE INDEX team_members_office ON team_members (office_id);

-- Append-only: the triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL,
    actor_user_id BIGINT REFERENCES users (id),
    actor_role    TEXT NOT NULL,
    action        TEXT NOT NULL,
    target_kind   TEXT NOT NULL,
    target_id     BIGINT NOT NULL,
    from_state    TEXT,
    to_state      TEXT,
    details       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id);

CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    data       BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- Every consent form printed for an enrollment: the stored PDF, the template it came from, and
-- the payload on each page. A row is never changed except to mark it superseded.
CREATE TABLE issued_forms (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enrollment_id   BIGINT NOT NULL REFERENCES enrollments (id),
    form_kind       TEXT NOT NULL,
    form_version    BIGINT NOT NULL,
    blank           BOOLEAN NOT NULL,
    template_sha256 TEXT NOT NULL,
    blob_sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    pages           BIGINT NOT NULL,
    payloads        TEXT NOT NULL,
    issued_by       BIGINT REFERENCES users (id),
    issued_at       TIMESTAMPTZ NOT NULL,
    superseded_at   TIMESTAMPTZ
);
CREATE INDEX issued_forms_enrollment ON issued_forms (enrollment_id);
CREATE UNIQUE INDEX issued_forms_one_per_variant ON issued_forms (enrollment_id, form_kind, form_version, blank);

-- Batch printing: many enrollments in one PDF, rendered by a job, with progress.
CREATE TABLE print_batches (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    requested_by   BIGINT NOT NULL REFERENCES users (id),
    enrollment_ids TEXT NOT NULL,
    blank          BOOLEAN NOT NULL,
    total          BIGINT NOT NULL,
    done           BIGINT NOT NULL,
    status         TEXT NOT NULL,
    error          TEXT,
    blob_sha256    TEXT REFERENCES blobs (sha256),
    created_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    label        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
