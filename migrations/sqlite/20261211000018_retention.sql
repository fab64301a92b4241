-- Retiring old data (#22): an ended enrollment's personal data is erased `retention.years`
-- after it ended (its updated_at: nothing changes an enrollment once it ended), unless the city
-- holds it back with a reason. The erasure keeps codes, states, dates and actors.
ALTER TABLE enrollments ADD COLUMN erased_at TEXT;
ALTER TABLE enrollments ADD COLUMN retention_hold TEXT;
ALTER TABLE enrollments ADD COLUMN retention_hold_at TEXT;
ALTER TABLE enrollments ADD COLUMN retention_hold_by INTEGER REFERENCES users (id);
CREATE INDEX enrollments_ended ON enrollments (updated_at) WHERE state IN ('withdrawn', 'closed') AND erased_at IS NULL;
