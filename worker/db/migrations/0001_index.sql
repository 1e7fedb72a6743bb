-- The network index: what Dreamreel has seen of users' repos. Records stay in their authors' repos;
-- every row here can be rebuilt from the network.

-- Every account the index has seen. `active` = 0 hides all of the account's content from every view.
CREATE TABLE actors (
  did TEXT PRIMARY KEY,
  handle TEXT,
  display_name TEXT,
  avatar_cid TEXT,
  pds TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  status TEXT,
  backfilled_at TEXT,
  indexed_at TEXT NOT NULL
);
CREATE INDEX actors_by_handle ON actors (handle);

-- The last applied revision of every record, deletes kept as tombstones, so that replayed or
-- out-of-order events never move a record backwards.
CREATE TABLE record_revs (
  uri TEXT PRIMARY KEY,
  rev TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
);

-- Clips and remixes (is_remix = 1, with parent and root).
CREATE TABLE clips (
  uri TEXT PRIMARY KEY,
  cid TEXT NOT NULL,
  did TEXT NOT NULL,
  is_remix INTEGER NOT NULL,
  record TEXT NOT NULL,
  video_cid TEXT NOT NULL,
  parent_uri TEXT,
  parent_cid TEXT,
  root_uri TEXT,
  root_cid TEXT,
  remix_policy TEXT NOT NULL,
  created_at TEXT NOT NULL,
  indexed_at TEXT NOT NULL,
  -- The earlier of createdAt and indexedAt: a record cannot jump the feeds by claiming a future date.
  sort_at TEXT NOT NULL
);
CREATE INDEX clips_by_author ON clips (did, sort_at DESC, uri DESC);
CREATE INDEX clips_by_parent ON clips (parent_uri, sort_at DESC, uri DESC);
CREATE INDEX clips_by_root ON clips (root_uri);
CREATE INDEX clips_by_time ON clips (sort_at DESC, uri DESC);

CREATE TABLE cameos (
  clip_uri TEXT NOT NULL,
  did TEXT NOT NULL,
  PRIMARY KEY (clip_uri, did)
);
CREATE INDEX cameos_by_did ON cameos (did);

-- One consent per person (rkey `self`); no row means no consent.
CREATE TABLE consents (
  did TEXT PRIMARY KEY,
  uri TEXT NOT NULL,
  cid TEXT NOT NULL,
  audience TEXT NOT NULL,
  allowed TEXT NOT NULL DEFAULT '[]',
  allow_remix INTEGER NOT NULL,
  expires_at TEXT,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL,
  indexed_at TEXT NOT NULL
);

-- app.bsky.graph.follow records: Dreamreel shares Bluesky's social graph rather than keeping its own.
CREATE TABLE follows (
  uri TEXT PRIMARY KEY,
  did TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX follows_by_pair ON follows (did, subject);
CREATE INDEX follows_by_subject ON follows (subject);

-- Records refused by validation, kept for operators to inspect.
CREATE TABLE rejected_records (
  uri TEXT NOT NULL,
  cid TEXT,
  reason TEXT NOT NULL,
  seen_at TEXT NOT NULL
);

-- Resolved DID documents, shared by every isolate.
CREATE TABLE did_cache (
  did TEXT PRIMARY KEY,
  document TEXT NOT NULL,
  fetched_at INTEGER NOT NULL
);
