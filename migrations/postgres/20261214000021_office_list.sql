-- #23: an office's list walks the enrollments it obtains in the list's order and stops after a
-- page. Keep in step with migrations/sqlite.
CREATE INDEX enrollments_office_updated ON enrollments (obtainer_office_id, updated_at, id);
