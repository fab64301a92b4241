-- What OCR read on a page without a code of ours (#20, part 2): its outcome (read, off,
-- not_installed, timed_out, failed; NULL when the page carried a code and was not read), the
-- text as Tesseract gave it, the same text squashed for the centre's search (NFKC, no spaces,
-- hiragana as katakana), and the time it took.
ALTER TABLE fax_pages ADD COLUMN ocr_status TEXT;
ALTER TABLE fax_pages ADD COLUMN ocr_text TEXT;
ALTER TABLE fax_pages ADD COLUMN ocr_index TEXT;
ALTER TABLE fax_pages ADD COLUMN ocr_ms INTEGER;
