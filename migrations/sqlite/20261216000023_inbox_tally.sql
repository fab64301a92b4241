-- #23: the FAX inbox's tab counts without counting a week of pages on every look. Pages by
-- outcome and hour of arrival (hours since 1970-01-01 UTC), written as deltas by the triggers
-- below: rows are only ever inserted. The hourly `tally` schedule folds each hour's deltas into
-- one row. Keep in step with migrations/postgres.
CREATE TABLE fax_page_tally (
    outcome TEXT    NOT NULL,
    hour    INTEGER NOT NULL,
    n       INTEGER NOT NULL
);
CREATE INDEX fax_page_tally_outcome_hour ON fax_page_tally (outcome, hour);

INSERT INTO fax_page_tally (outcome, hour, n)
    SELECT outcome, CAST(strftime('%s', created_at) AS INTEGER) / 3600, COUNT(*)
    FROM fax_pages GROUP BY 1, 2;

CREATE TRIGGER fax_page_tally_insert AFTER INSERT ON fax_pages
BEGIN
    INSERT INTO fax_page_tally (outcome, hour, n)
        VALUES (NEW.outcome, CAST(strftime('%s', NEW.created_at) AS INTEGER) / 3600, 1);
END;
CREATE TRIGGER fax_page_tally_update AFTER UPDATE OF outcome, created_at ON fax_pages
    WHEN NEW.outcome IS NOT OLD.outcome OR NEW.created_at IS NOT OLD.created_at
BEGIN
    INSERT INTO fax_page_tally (outcome, hour, n) VALUES
        (OLD.outcome, CAST(strftime('%s', OLD.created_at) AS INTEGER) / 3600, -1),
        (NEW.outcome, CAST(strftime('%s', NEW.created_at) AS INTEGER) / 3600, 1);
END;
CREATE TRIGGER fax_page_tally_delete AFTER DELETE ON fax_pages
BEGIN
    INSERT INTO fax_page_tally (outcome, hour, n)
        VALUES (OLD.outcome, CAST(strftime('%s', OLD.created_at) AS INTEGER) / 3600, -1);
END;
