-- Hosted copies of clips' videos (R2 or Cloudflare Stream), mirrored from the authors' PDS blobs.
-- One row per blob CID: clips sharing a video share its copy.
CREATE TABLE videos (
  cid TEXT PRIMARY KEY,
  host TEXT NOT NULL,
  ref TEXT,
  -- pending (queued or copying) | ready | failed
  state TEXT NOT NULL,
  reason TEXT,
  -- Not publicly playable: no clip using it may be shown (consent, takedown).
  restricted INTEGER NOT NULL DEFAULT 0,
  hls TEXT,
  mp4 TEXT,
  thumbnail TEXT,
  updated_at TEXT NOT NULL
);
