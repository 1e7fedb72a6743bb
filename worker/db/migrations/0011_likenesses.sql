-- People's stored likeness references (the bytes are in the LIKENESSES bucket, encrypted): what the
-- consent record's commitment is checked against. `committed` is set once a consent record has named
-- this reference; from then on a consent that stops naming it (deleted, changed) deletes it.
CREATE TABLE likenesses (
  did TEXT PRIMARY KEY,
  cid TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  committed INTEGER NOT NULL DEFAULT 0
);

-- Unfinished generation jobs by the people they feature: a revocation reaches them, and the people
-- featured can see them. Rows outlive their job until `deadline_at` (a job never runs past it).
CREATE TABLE cameo_jobs (
  did TEXT NOT NULL,
  job_id TEXT NOT NULL,
  requester TEXT NOT NULL,
  created_at TEXT NOT NULL,
  deadline_at TEXT NOT NULL,
  PRIMARY KEY (did, job_id)
);
CREATE INDEX cameo_jobs_by_deadline ON cameo_jobs (deadline_at);

-- A prompt naming someone by their exact display name features them (worker/jobs/mentions.ts).
CREATE INDEX actors_by_display_name ON actors (display_name);
