-- #23: how far an interrupted schedule run got (the last enrollment id it finished), so the
-- next run of the same slot resumes there. Keep in step with migrations/postgres.
ALTER TABLE schedule_firings ADD COLUMN progress INTEGER;
