-- Who reads their following timeline here (worker/feeds/readers.ts). Fan-out pushes to them only:
-- the follows the index knows are mostly between people on other apps, whose Timeline objects nobody
-- would read. `built` is 1 once a reader's timeline was filled from their follows on their first read.
CREATE TABLE timeline_readers (
  did TEXT PRIMARY KEY,
  since TEXT NOT NULL,
  built INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
