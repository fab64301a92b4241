-- consentflow core schema (SQLite). Keep in step with migrations/postgres.
CREATE TABLE offices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    fax         TEXT NOT NULL,
    address     TEXT NOT NULL,
    admin_email TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX offices_name_phone ON offices (name, phone);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT,
    role          TEXT NOT NULL CHECK (role IN ('staff', 'office_admin', 'centre', 'city_admin')),
    office_id     INTEGER REFERENCES offices (id),
    password_hash TEXT,
    suspended     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TEXT NOT NULL
);

CREATE TABLE subjects (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL,
    kana             TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    sex              TEXT NOT NULL,
    address          TEXT NOT NULL,
    phone            TEXT NOT NULL,
    insurance_number TEXT,
    created_at       TEXT NOT NULL
);

CREATE TABLE enrollments (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    code               TEXT NOT NULL UNIQUE,
    subject_id         INTEGER NOT NULL REFERENCES subjects (id),
    obtainer_user_id   INTEGER NOT NULL REFERENCES users (id),
    obtainer_office_id INTEGER NOT NULL REFERENCES offices (id),
    state              TEXT NOT NULL,
    form_version       INTEGER,
    consent_date       TEXT,
    signer             TEXT,
    proxy_relationship TEXT,
    revision           INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX enrollments_office ON enrollments (obtainer_office_id);
CREATE INDEX enrollments_state ON enrollments (state);

CREATE TABLE team_members (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    office_id     INTEGER NOT NULL REFERENCES offices (id),
    user_id       INTEGER REFERENCES users (id),
    profession    TEXT NOT NULL,
    name          TEXT NOT NULL,
    phone         TEXT NOT NULL,
    position      INTEGER NOT NULL
);
CREATE INDEX team_members_enrollment ON team_members (enrollment_id);
CREATE INDEX team_members_office ON team_members (office_id);

-- Append-only: the triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users (id),
    actor_role    TEXT NOT NULL,
    action        TEXT NOT NULL,
    target_kind   TEXT NOT NULL,
    target_id     INTEGER NOT NULL,
    from_state    TEXT,
    to_state      TEXT,
    details       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY,
    size       INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    data       BLOB NOT NULL,
    created_at TEXT NOT NULL
);

-- Every consent form printed for an enrollment: the stored PDF, the template it came from, and
-- the payload on each page. A row is never changed except to mark it superseded.
CREATE TABLE issued_forms (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    enrollment_id   INTEGER NOT NULL REFERENCES enrollments (id),
    form_kind       TEXT NOT NULL,
    form_version    INTEGER NOT NULL,
    blank           BOOLEAN NOT NULL,
    template_sha256 TEXT NOT NULL,
    blob_sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    pages           INTEGER NOT NULL,
    payloads        TEXT NOT NULL,
    issued_by       INTEGER REFERENCES users (id),
    issued_at       TEXT NOT NULL,
    superseded_at   TEXT
);
CREATE INDEX issued_forms_enrollment ON issued_forms (enrollment_id);
CREATE UNIQUE INDEX issued_forms_one_per_variant ON issued_forms (enrollment_id, form_kind, form_version, blank);

-- Batch printing: many enrollments in one PDF, rendered by a job, with progress.
CREATE TABLE print_batches (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    requested_by   INTEGER NOT NULL REFERENCES users (id),
    enrollment_ids TEXT NOT NULL,
    blank          BOOLEAN NOT NULL,
    total          INTEGER NOT NULL,
    done           INTEGER NOT NULL,
    status         TEXT NOT NULL,
    error          TEXT,
    blob_sha256    TEXT REFERENCES blobs (sha256),
    created_at     TEXT NOT NULL,
    finished_at    TEXT
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    revoked      BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE login_links (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
