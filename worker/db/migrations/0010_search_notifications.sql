-- Search: clips by the words of their caption, prompt and tags; clips by tag; accounts by the words
-- of their display name (handles are matched by prefix on actors_by_handle). FTS5 tables take their
-- rowids from search_docs, whose INTEGER PRIMARY KEY never changes (a VACUUM may renumber the
-- implicit rowids of clip_index and actors).
CREATE TABLE search_docs (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE
);

-- Written with the clip (worker/ingest/index-record.ts); a deleted clip's text goes with it.
CREATE VIRTUAL TABLE clip_text USING fts5(caption, prompt, tags, tokenize = 'unicode61 remove_diacritics 2');

-- A clip's tags: its record's `tags` and the #hashtags of its caption, lower-cased.
CREATE TABLE clip_tags (
  tag TEXT NOT NULL,
  clip_uri TEXT NOT NULL,
  PRIMARY KEY (tag, clip_uri)
);
CREATE INDEX clip_tags_by_clip ON clip_tags (clip_uri);

CREATE VIRTUAL TABLE actor_text USING fts5(display_name, tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');

-- Display names change only through this column, so one trigger keeps actor_text in step.
CREATE TRIGGER actors_searchable AFTER UPDATE OF display_name ON actors BEGIN
  INSERT INTO search_docs (key) VALUES (NEW.did) ON CONFLICT (key) DO NOTHING;
  DELETE FROM actor_text WHERE rowid = (SELECT id FROM search_docs WHERE key = NEW.did);
  INSERT INTO actor_text (rowid, display_name)
    SELECT id, NEW.display_name FROM search_docs WHERE key = NEW.did AND NEW.display_name IS NOT NULL;
END;

-- What the index already holds (hashtags in captions are found from the next write of the clip).
INSERT INTO search_docs (key) SELECT uri FROM clips;
INSERT INTO search_docs (key) SELECT did FROM actors WHERE display_name IS NOT NULL;
INSERT INTO clip_text (rowid, caption, prompt, tags)
  SELECT d.id, json_extract(c.record, '$.caption'), json_extract(c.record, '$.prompt'),
         (SELECT group_concat(value, ' ') FROM json_each(c.record, '$.tags'))
  FROM clips c JOIN search_docs d ON d.key = c.uri;
INSERT OR IGNORE INTO clip_tags (tag, clip_uri)
  SELECT lower(t.value), c.uri FROM clips c, json_each(c.record, '$.tags') t;
INSERT INTO actor_text (rowid, display_name)
  SELECT d.id, a.display_name FROM actors a JOIN search_docs d ON d.key = a.did WHERE a.display_name IS NOT NULL;

-- Notifications, derived as records are indexed (worker/ingest/notify.ts), in the same batch: what
-- happened (`uri`, the record by `author`) to whom, about which clip (`subject`). One row per record
-- and recipient: the first reason derived wins (a reply is not also a comment). Whether a row may be
-- shown is decided when it is read (worker/views/notifications.ts), as the feeds decide.
-- AUTOINCREMENT: ids are cursors and are never reused.
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  recipient TEXT NOT NULL,
  reason TEXT NOT NULL,
  author TEXT NOT NULL,
  uri TEXT NOT NULL,
  subject TEXT,
  indexed_at TEXT NOT NULL,
  UNIQUE (uri, recipient)
);
CREATE INDEX notifications_by_recipient ON notifications (recipient, id);

-- Up to when each person has seen their notifications.
CREATE TABLE notifications_seen (
  did TEXT PRIMARY KEY,
  seen_at TEXT NOT NULL
);
