-- Blocks and mutes. Blocks are app.bsky.graph records, so a block made in any Bluesky app counts here;
-- mutes are private to the viewer and kept by the AppView only.

-- app.bsky.graph.block: `did` blocks `subject`.
CREATE TABLE blocks (
  uri TEXT PRIMARY KEY,
  did TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX blocks_by_pair ON blocks (did, subject);
CREATE INDEX blocks_by_subject ON blocks (subject, did);

-- app.bsky.graph.listblock: `did` blocks everyone on the list `list_uri`.
CREATE TABLE list_blocks (
  uri TEXT PRIMARY KEY,
  did TEXT NOT NULL,
  list_uri TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX list_blocks_by_list ON list_blocks (list_uri, did);
CREATE INDEX list_blocks_by_actor ON list_blocks (did, list_uri);

-- app.bsky.graph.listitem, only those written by the list's own owner.
CREATE TABLE list_items (
  uri TEXT PRIMARY KEY,
  did TEXT NOT NULL,
  list_uri TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX list_items_by_list ON list_items (list_uri, subject);
CREATE INDEX list_items_by_subject ON list_items (subject, list_uri);

-- Everyone `did` blocks, directly or through a list. Blocks work both ways: readers check both orders.
CREATE VIEW block_pairs AS
  SELECT did, subject FROM blocks
  UNION ALL SELECT lb.did, li.subject FROM list_blocks lb JOIN list_items li ON li.list_uri = lb.list_uri;

-- Mutes: private to `did`, set with video.dreamreel.muteActor.
CREATE TABLE mutes (
  did TEXT NOT NULL,
  subject TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (did, subject)
);

-- Muted words (lower-cased), matched against captions, prompts and tags.
CREATE TABLE muted_words (
  did TEXT NOT NULL,
  word TEXT NOT NULL,
  PRIMARY KEY (did, word)
);

-- Reports filed with com.atproto.moderation.createReport, kept whether or not they reach the
-- deployment's moderation service (forwarded_at, or the last forward_error).
CREATE TABLE reports (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  reporter TEXT NOT NULL,
  reason_type TEXT NOT NULL,
  reason TEXT,
  subject_did TEXT NOT NULL,
  subject_uri TEXT,
  subject_cid TEXT,
  created_at TEXT NOT NULL,
  forwarded_at TEXT,
  forward_error TEXT,
  forward_attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reports_by_reporter ON reports (reporter, created_at);
CREATE INDEX reports_unforwarded ON reports (forwarded_at, forward_attempts);

-- Labels from the labelers the deployment follows (com.atproto.label.subscribeLabels), signatures
-- checked. One row per (labeler, subject, value): the newest label, a negation (neg = 1) included.
-- `uri` is a record's at:// URI or an account's DID.
CREATE TABLE labels (
  src TEXT NOT NULL,
  uri TEXT NOT NULL,
  cid TEXT,
  val TEXT NOT NULL,
  neg INTEGER NOT NULL DEFAULT 0,
  cts TEXT NOT NULL,
  exp TEXT,
  PRIMARY KEY (src, uri, val)
);
CREATE INDEX labels_by_subject ON labels (uri, val);

-- Viewers' moderation preferences (video.dreamreel.putPreferences); no row: the safe defaults.
CREATE TABLE preferences (
  did TEXT PRIMARY KEY,
  adult_content INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);

-- Videos this service's own generation jobs produced (by the CID a published blob of them has), so
-- that the clips publishing them are labelled ai-generated whatever self-labels they carry.
CREATE TABLE generated_videos (
  cid TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- The labels this service issues as a labeler, signed, in the order it issued them (seq: the
-- queryLabels and subscribeLabels cursor).
CREATE TABLE own_labels (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uri TEXT NOT NULL,
  cid TEXT,
  val TEXT NOT NULL,
  neg INTEGER NOT NULL DEFAULT 0,
  cts TEXT NOT NULL,
  sig BLOB NOT NULL
);
CREATE INDEX own_labels_by_subject ON own_labels (uri, val);
