-- 運営状況の報告 (#21): the council report counts enrollments by the states they entered and
-- left before a moment, and the enrollments created in a period, without reading the whole
-- audit log.
CREATE INDEX audit_log_entered ON audit_log (target_kind, to_state, at);
CREATE INDEX audit_log_left ON audit_log (target_kind, from_state, at);
CREATE INDEX enrollments_created ON enrollments (created_at);
CREATE INDEX incidents_created ON incidents (created_at);
