-- #23: the FAX inbox's tab counts without counting a week of pages on every look. Pages by
-- outcome and hour of arrival (hours since 1970-01-01 UTC), written as deltas by the triggers
-- below: rows are only ever inserted, so writers never wait on each other's counters. The hourly
-- `tally` schedule folds each hour's deltas into one row. Keep in step with migrations/sqlite.
CREATE TABLE fax_page_tally (
    outcome TEXT   NOT NULL,
    hour    BIGINT NOT NULL,
    n       BIGINT NOT NULL
);
CREATE INDEX fax_page_tally_outcome_hour ON fax_page_tally (outcome, hour);

CREATE FUNCTION fax_page_hour(t TIMESTAMPTZ) RETURNS BIGINT IMMUTABLE LANGUAGE sql
    AS $$ SELECT floor(extract(epoch FROM t) / 3600)::BIGINT $$;

INSERT INTO fax_page_tally (outcome, hour, n)
    SELECT outcome, fax_page_hour(created_at), COUNT(*) FROM fax_pages GROUP BY 1, 2;

-- Statement-level, with transition tables: a bulk insert writes one row per outcome and hour.
CREATE FUNCTION fax_page_tally_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fax_page_tally (outcome, hour, n)
        SELECT outcome, fax_page_hour(created_at), COUNT(*) FROM new_rows GROUP BY 1, 2;
    RETURN NULL;
END $$;
CREATE TRIGGER fax_page_tally_insert AFTER INSERT ON fax_pages
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fax_page_tally_insert();

-- Rows whose outcome and hour did not change cancel out and write nothing.
CREATE FUNCTION fax_page_tally_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fax_page_tally (outcome, hour, n)
        SELECT outcome, h, SUM(d) FROM (
            SELECT outcome, fax_page_hour(created_at) AS h, 1 AS d FROM new_rows
            UNION ALL
            SELECT outcome, fax_page_hour(created_at), -1 FROM old_rows) changed
        GROUP BY 1, 2 HAVING SUM(d) <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER fax_page_tally_update AFTER UPDATE ON fax_pages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fax_page_tally_update();

CREATE FUNCTION fax_page_tally_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO fax_page_tally (outcome, hour, n)
        SELECT outcome, fax_page_hour(created_at), -COUNT(*) FROM old_rows GROUP BY 1, 2;
    RETURN NULL;
END $$;
CREATE TRIGGER fax_page_tally_delete AFTER DELETE ON fax_pages
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION fax_page_tally_delete();
