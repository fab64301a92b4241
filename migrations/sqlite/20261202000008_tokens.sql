-- API tokens under the device rule (SQLite). Keep in step with migrations/postgres.

-- The enrolled PC a token was issued from (office users under `offices.require_device`), and
-- whether an operator made it on the command line (`consentflow token create`), which the
-- device rule leaves alone.
ALTER TABLE api_tokens ADD COLUMN device_id INTEGER REFERENCES devices (id);
ALTER TABLE api_tokens ADD COLUMN operator BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX api_tokens_device ON api_tokens (device_id);

-- A sign-in attempt is counted before its password is checked (so concurrent guesses cannot
-- pass the limit); the mark finds the attempt's rows again to drop them when it succeeds.
ALTER TABLE login_failures ADD COLUMN attempt TEXT;
CREATE INDEX login_failures_attempt ON login_failures (attempt);
