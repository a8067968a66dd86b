-- File bytes in chunks of at most 256 KiB, so they stream in and out of the backend: a
-- 20 MB file as one bytea value had to be held whole (and hex-encoded twice its size) in
-- the backend's memory. They stay in schema `public`, so the snapshot and reset carry them
-- like every other row.
CREATE TABLE file_chunks (
  file_id text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  -- The upload that wrote the chunk: an upload writes beside the current one and only its
  -- last step points the file at it, so a broken or concurrent upload never mixes bytes.
  upload text NOT NULL,
  seq integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (file_id, upload, seq)
);
-- Uploaded bytes are mostly compressed already: do not spend CPU trying again.
ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- The upload whose chunks are the file's bytes; null until its bytes arrived.
ALTER TABLE files ADD COLUMN upload text;

INSERT INTO file_chunks (file_id, upload, seq, data)
SELECT f.id, 'migrated', g.seq, substring(f.content FROM g.seq * 262144 + 1 FOR 262144)
FROM files f, generate_series(0, greatest(length(f.content) - 1, 0) / 262144) AS g (seq)
WHERE f.content IS NOT NULL;
UPDATE files SET upload = 'migrated' WHERE content IS NOT NULL;
ALTER TABLE files DROP COLUMN content;
