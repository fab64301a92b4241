-- #23: an office's list pages through the teams it is on in the list's order and stops after a
-- page. Each membership carries its enrollment's updated_at, kept in step here, in the database
-- (every change of an enrollment sets updated_at), with an index that starts with the office.
-- Keep in step with migrations/sqlite.
ALTER TABLE team_members ADD COLUMN enrollment_updated_at TIMESTAMPTZ;
UPDATE team_members t SET enrollment_updated_at = e.updated_at
    FROM enrollments e WHERE e.id = t.enrollment_id;
CREATE INDEX team_members_office_updated
    ON team_members (office_id, enrollment_updated_at, enrollment_id);
CREATE FUNCTION team_members_take_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.enrollment_updated_at := (SELECT e.updated_at FROM enrollments e WHERE e.id = NEW.enrollment_id);
    RETURN NEW;
END $$;
CREATE TRIGGER team_members_take_updated BEFORE INSERT ON team_members
    FOR EACH ROW WHEN (NEW.enrollment_updated_at IS NULL)
    EXECUTE FUNCTION team_members_take_updated();
CREATE FUNCTION enrollments_updated_to_team() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE team_members SET enrollment_updated_at = NEW.updated_at WHERE enrollment_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER enrollments_updated_to_team AFTER UPDATE OF updated_at ON enrollments
    FOR EACH ROW WHEN (NEW.updated_at IS DISTINCT FROM OLD.updated_at)
    EXECUTE FUNCTION enrollments_updated_to_team();
