-- Field checks on a received front page of our form (#20): what the service saw in each field
-- (filled, empty, undecided), the ink it measured, the field's crop for the verify screen, and
-- what the person who verified the copy said of it (the data for tuning the checks).
CREATE TABLE page_checks (
    page_id      INTEGER NOT NULL REFERENCES fax_pages (id),
    field        TEXT NOT NULL,
    verdict      TEXT NOT NULL,
    area_mm2     REAL,
    longest_mm   REAL,
    crop_sha256  TEXT REFERENCES blobs (sha256),
    -- true: the person saw writing there; NULL until someone verified or returned the copy
    confirmed    BOOLEAN,
    confirmed_by INTEGER REFERENCES users (id),
    confirmed_at TEXT,
    PRIMARY KEY (page_id, field)
);
-- The registration's residual (mm; NULL when the page could not be registered) and the rules
-- the copy breaks, one Japanese line each ('' when none; NULL when the page was not checked).
ALTER TABLE fax_pages ADD COLUMN check_residual_mm REAL;
ALTER TABLE fax_pages ADD COLUMN check_problems TEXT;
