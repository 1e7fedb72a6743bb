-- Likes and comments on clips, and the Bluesky posts that share clips (cross-posts), for the feed generator.

CREATE TABLE likes (
  uri TEXT PRIMARY KEY,
  did TEXT NOT NULL,
  subject_uri TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX likes_by_subject ON likes (subject_uri);
CREATE INDEX likes_by_actor ON likes (did, subject_uri);

CREATE TABLE comments (
  uri TEXT PRIMARY KEY,
  cid TEXT NOT NULL,
  did TEXT NOT NULL,
  subject_uri TEXT NOT NULL,
  -- The thread's top-level comment, for replies; NULL on top-level comments.
  thread_uri TEXT,
  record TEXT NOT NULL,
  indexed_at TEXT NOT NULL,
  sort_at TEXT NOT NULL
);
CREATE INDEX comments_by_subject ON comments (subject_uri, thread_uri, sort_at);
CREATE INDEX comments_by_thread ON comments (thread_uri, sort_at);

-- An app.bsky.feed.post whose video embed carries a clip's video blob, by the clip's author.
CREATE TABLE crossposts (
  uri TEXT PRIMARY KEY,
  did TEXT NOT NULL,
  video_cid TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX crossposts_by_video ON crossposts (did, video_cid);

-- Which clips a viewer has been shown in For You, so they are not shown again.
CREATE TABLE seen (
  did TEXT NOT NULL,
  clip_uri TEXT NOT NULL,
  seen_at TEXT NOT NULL,
  PRIMARY KEY (did, clip_uri)
);
