-- The 地域資源マップ (#21): each office chooses to appear (on by default; it appears once its
-- 事業所情報 has an address and a point); the city may hide one, with a reason; a closed office
-- never appears (offices are closed by #22).
ALTER TABLE offices ADD COLUMN map_published BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE offices ADD COLUMN map_hidden_reason TEXT;
ALTER TABLE offices ADD COLUMN map_hidden_by BIGINT REFERENCES users (id);
ALTER TABLE offices ADD COLUMN map_hidden_at TIMESTAMPTZ;
ALTER TABLE offices ADD COLUMN closed_at TIMESTAMPTZ;
