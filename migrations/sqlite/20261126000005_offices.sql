-- Office registration, certificates (device credentials), office information, staff accounts
-- (SQLite). Keep in step with migrations/postgres.

-- ① 事業所登録申請: kept whatever the city decides, with the decision.
CREATE TABLE office_applications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    phone       TEXT NOT NULL,
    fax         TEXT NOT NULL,
    admin_name  TEXT NOT NULL,
    admin_email TEXT NOT NULL,
    -- pending -> approved | rejected
    status      TEXT NOT NULL DEFAULT 'pending',
    reason      TEXT,
    office_id   INTEGER REFERENCES offices (id),
    -- a keyed hash of the sender's address, for the rate limit (never the address itself)
    client_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    decided_at  TEXT,
    decided_by  INTEGER REFERENCES users (id)
);
CREATE INDEX office_applications_status ON office_applications (status, created_at);
CREATE INDEX office_applications_client ON office_applications (client_key, created_at);

-- ④ 事業所情報.
ALTER TABLE offices ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE offices ADD COLUMN longitude DOUBLE PRECISION;
ALTER TABLE offices ADD COLUMN coords_locked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE offices ADD COLUMN hours TEXT NOT NULL DEFAULT '';
-- none, or days among mon tue wed thu fri sat sun hol, comma-separated
ALTER TABLE offices ADD COLUMN closed_days TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN co_located TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN other_info TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN admin_name TEXT NOT NULL DEFAULT '';

-- ⑤ Staff accounts: a first password set by the administrator must be changed; leavers are
-- disabled (kept, for the audit trail), not deleted.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

-- ③ Devices (one per PC) and the vouchers (証明書取得用No/パスワード) that enrol them.
CREATE TABLE devices (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id   INTEGER NOT NULL REFERENCES offices (id),
    label       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    revoked_by  INTEGER REFERENCES users (id)
);
CREATE INDEX devices_office ON devices (office_id);

-- 追加発行: asked by the office administrator, approved or refused by the city.
CREATE TABLE device_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id    INTEGER NOT NULL REFERENCES offices (id),
    label        TEXT NOT NULL,
    requested_by INTEGER NOT NULL REFERENCES users (id),
    -- pending -> approved | rejected
    status       TEXT NOT NULL DEFAULT 'pending',
    reason       TEXT,
    created_at   TEXT NOT NULL,
    decided_at   TEXT,
    decided_by   INTEGER REFERENCES users (id)
);
CREATE INDEX device_requests_status ON device_requests (status, created_at);

CREATE TABLE vouchers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    office_id       INTEGER NOT NULL REFERENCES offices (id),
    -- initial (first device, sets the administrator's password) or additional
    kind            TEXT NOT NULL,
    request_id      INTEGER REFERENCES device_requests (id),
    -- SHA-256 of the retrieval No, to find it; the password only as an argon2 hash
    number_hash     TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    expires_at      TEXT NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    redeemed_at     TEXT,
    device_id       INTEGER REFERENCES devices (id),
    created_at      TEXT NOT NULL
);
CREATE INDEX vouchers_office ON vouchers (office_id);

-- A session opened on an enrolled device ends when the device is revoked.
ALTER TABLE sessions ADD COLUMN device_id INTEGER REFERENCES devices (id);

-- A secret part of an e-mail (a voucher's password), encrypted until sent, then erased.
ALTER TABLE outbox ADD COLUMN sealed TEXT;
