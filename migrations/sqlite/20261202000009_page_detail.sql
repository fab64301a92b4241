-- Why a page or document could not be read, as the reader said it (English, for the API and
-- whoever debugs); `reason` stays the centre's Japanese.
ALTER TABLE fax_pages ADD COLUMN detail TEXT;
ALTER TABLE fax_documents ADD COLUMN detail TEXT;
