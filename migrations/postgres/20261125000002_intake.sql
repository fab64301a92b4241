-- FAX intake (PostgreSQL). Keep in step with migrations/sqlite.
-- Flow: message (raw e-mail or file) -> documents (attachments) -> pages -> outcome.

-- Which copy round an enrollment is in: a returned copy must come back whole.
ALTER TABLE enrollments ADD COLUMN copy_round BIGINT NOT NULL DEFAULT 0;

CREATE TABLE fax_messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- imap, upload, folder, cli
    source          TEXT NOT NULL,
    -- mail (RFC 5322) or file (a bare PDF/TIFF/image)
    kind            TEXT NOT NULL,
    raw_sha256      TEXT NOT NULL UNIQUE REFERENCES blobs (sha256),
    message_id      TEXT,
    -- SHA-256 of what follows the header block: the same message re-delivered with other
    -- headers (a mailbox rebuilt under a new UIDVALIDITY) has the same Message-ID and body.
    body_sha256     TEXT NOT NULL,
    file_name       TEXT,
    sender          TEXT,
    subject         TEXT,
    sent_at         TIMESTAMPTZ,
    fax_number      TEXT,
    -- stored -> processed | failed
    status          TEXT NOT NULL,
    error           TEXT,
    imap_mailbox    TEXT,
    imap_uidvalidity BIGINT,
    imap_uid        BIGINT,
    -- the \Seen flag or move was done on the server (or is not wanted)
    imap_done       BOOLEAN NOT NULL DEFAULT TRUE,
    uploaded_by     BIGINT REFERENCES users (id),
    received_at     TIMESTAMPTZ NOT NULL,
    processed_at    TIMESTAMPTZ
);
CREATE INDEX fax_messages_received ON fax_messages (received_at);
CREATE INDEX fax_messages_message_id ON fax_messages (message_id, body_sha256);
CREATE INDEX fax_messages_imap_pending ON fax_messages (imap_done);

CREATE TABLE fax_documents (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  BIGINT NOT NULL REFERENCES fax_messages (id),
    seq         BIGINT NOT NULL,
    file_name   TEXT,
    media_type  TEXT,
    blob_sha256 TEXT REFERENCES blobs (sha256),
    -- read, failed (with reason), skipped (not a document: listed, not read)
    status      TEXT NOT NULL,
    reason      TEXT,
    pages       BIGINT NOT NULL DEFAULT 0,
    UNIQUE (message_id, seq)
);

CREATE TABLE fax_pages (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id    BIGINT NOT NULL REFERENCES fax_documents (id),
    number         BIGINT NOT NULL,
    -- matched, unreadable, invalid, duplicate, superseded
    outcome        TEXT NOT NULL,
    reason         TEXT NOT NULL,
    enrollment_id  BIGINT REFERENCES enrollments (id),
    copy_round     BIGINT,
    form_page      BIGINT,
    form_pages     BIGINT,
    form_version   BIGINT,
    payload        TEXT,
    is_primary     BOOLEAN NOT NULL DEFAULT FALSE,
    content_sha256 TEXT,
    image_sha256   TEXT REFERENCES blobs (sha256),
    thumb_sha256   TEXT REFERENCES blobs (sha256),
    width          BIGINT,
    height         BIGINT,
    stage          TEXT,
    scan_ms        BIGINT,
    -- set when centre staff settle an unmatched page by hand (#6)
    resolved_by    BIGINT REFERENCES users (id),
    resolved_at    TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    UNIQUE (document_id, number)
);
CREATE INDEX fax_pages_outcome ON fax_pages (outcome, created_at);
CREATE INDEX fax_pages_enrollment ON fax_pages (enrollment_id);
CREATE INDEX fax_pages_content ON fax_pages (content_sha256);
-- One primary page per enrollment page and copy round, whatever the races between workers.
CREATE UNIQUE INDEX fax_pages_one_primary ON fax_pages (enrollment_id, copy_round, form_page)
    WHERE is_primary;

-- Where each IMAP mailbox's intake has got to.
CREATE TABLE imap_state (
    mailbox     TEXT PRIMARY KEY,
    uidvalidity BIGINT NOT NULL,
    last_uid    BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Leases: one holder at a time across nodes (the IMAP poll, the hot folder).
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- Blobs are mostly compressed already (FAX images, PDFs, base64 mail): storing them without
-- pglz compression saves most of the insert time for no loss of space worth having.
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;
