-- #23: an office's list pages through the teams it is on in the list's order and stops after a
-- page. Each membership carries its enrollment's updated_at, kept in step here, in the database
-- (every change of an enrollment sets updated_at), with an index that starts with the office.
-- Keep in step with migrations/postgres.
ALTER TABLE team_members ADD COLUMN enrollment_updated_at TEXT;
UPDATE team_members SET enrollment_updated_at =
    (SELECT e.updated_at FROM enrollments e WHERE e.id = team_members.enrollment_id);
CREATE INDEX team_members_office_updated
    ON team_members (office_id, enrollment_updated_at, enrollment_id);
CREATE TRIGGER team_members_take_updated AFTER INSERT ON team_members
    WHEN NEW.enrollment_updated_at IS NULL
BEGIN
    UPDATE team_members SET enrollment_updated_at =
        (SELECT e.updated_at FROM enrollments e WHERE e.id = NEW.enrollment_id)
    WHERE id = NEW.id;
END;
CREATE TRIGGER enrollments_updated_to_team AFTER UPDATE OF updated_at ON enrollments
    WHEN NEW.updated_at IS NOT OLD.updated_at
BEGIN
    UPDATE team_members SET enrollment_updated_at = NEW.updated_at WHERE enrollment_id = NEW.id;
END;
