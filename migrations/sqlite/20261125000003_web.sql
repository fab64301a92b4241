-- The enrollment list is newest first; the dashboard and the overdue filter look per state by age.
CREATE INDEX enrollments_updated ON enrollments (updated_at);
CREATE INDEX enrollments_state_updated ON enrollments (state, updated_at);
