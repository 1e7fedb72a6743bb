-- A deleted clip leaves a tombstone: what the remix-chain rules need of it (author, parent, root,
-- remix policy, and its cameos), never its content. A remix below a deleted clip is then judged as
-- if the clip were still there, never more visibly (worker/views/visibility.ts).
-- `clip_index` holds live clips and tombstones; `clips` is the live ones, which every view reads.
ALTER TABLE clips RENAME TO clip_index;
ALTER TABLE clip_index ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
CREATE VIEW clips AS SELECT * FROM clip_index WHERE deleted = 0;

-- The mirror and the feed generator look clips up by their video blob.
CREATE INDEX clip_index_by_video ON clip_index (video_cid, did);

-- Likes count distinct likers.
DROP INDEX likes_by_subject;
CREATE INDEX likes_by_subject ON likes (subject_uri, did);
