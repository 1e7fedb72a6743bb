-- Like and comment counts, kept at write by triggers so that every path that changes likes,
-- comments or blocks (ingest, account deletion, tests' fixtures) keeps them in the same transaction.
-- They count what views/visibility.ts defined by reading: people (a second like by the same account
-- does not move it), net of anyone in a block with the subject's author — the DID in the subject's
-- URI, since a record lives in its author's repo.

CREATE TABLE subject_counts (
  uri TEXT PRIMARY KEY,
  likers INTEGER NOT NULL DEFAULT 0,
  commenters INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- A block change re-counts what the pair touches: the subjects one of them liked or commented on in
-- the other's repo (found by URI prefix: 'at://<did>/' up to 'at://<did>0').
CREATE INDEX comments_by_actor ON comments (did, subject_uri);

-- INSERT OR REPLACE deletes the old row without firing delete triggers: delete it first, so that a
-- record updated to another subject leaves the old subject's count.
CREATE TRIGGER likes_replace BEFORE INSERT ON likes BEGIN DELETE FROM likes WHERE uri = NEW.uri; END;
CREATE TRIGGER comments_replace BEFORE INSERT ON comments BEGIN DELETE FROM comments WHERE uri = NEW.uri; END;
CREATE TRIGGER blocks_replace BEFORE INSERT ON blocks BEGIN DELETE FROM blocks WHERE uri = NEW.uri; END;
CREATE TRIGGER list_blocks_replace BEFORE INSERT ON list_blocks BEGIN DELETE FROM list_blocks WHERE uri = NEW.uri; END;
CREATE TRIGGER list_items_replace BEFORE INSERT ON list_items BEGIN DELETE FROM list_items WHERE uri = NEW.uri; END;

-- A like or comment moves its subject's count by one when it is its author's first (or last) on that
-- subject and they are not in a block with the subject's author. The row always exists afterwards,
-- so a later re-count finds it.
CREATE TRIGGER likes_counted_on_insert AFTER INSERT ON likes BEGIN
  INSERT INTO subject_counts (uri, likers)
    SELECT NEW.subject_uri, NOT EXISTS (SELECT 1 FROM likes WHERE did = NEW.did AND subject_uri = NEW.subject_uri AND uri <> NEW.uri)
      AND NOT EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = NEW.did AND bp.subject = substr(NEW.subject_uri, 6, instr(substr(NEW.subject_uri, 6), '/') - 1))
                                                     OR (bp.subject = NEW.did AND bp.did = substr(NEW.subject_uri, 6, instr(substr(NEW.subject_uri, 6), '/') - 1)))
    WHERE true
    ON CONFLICT (uri) DO UPDATE SET likers = likers + excluded.likers;
END;
CREATE TRIGGER likes_counted_on_delete AFTER DELETE ON likes BEGIN
  UPDATE subject_counts SET likers = likers - 1
   WHERE uri = OLD.subject_uri
     AND NOT EXISTS (SELECT 1 FROM likes WHERE did = OLD.did AND subject_uri = OLD.subject_uri)
     AND NOT EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = OLD.did AND bp.subject = substr(OLD.subject_uri, 6, instr(substr(OLD.subject_uri, 6), '/') - 1))
                                                    OR (bp.subject = OLD.did AND bp.did = substr(OLD.subject_uri, 6, instr(substr(OLD.subject_uri, 6), '/') - 1)));
END;
CREATE TRIGGER comments_counted_on_insert AFTER INSERT ON comments BEGIN
  INSERT INTO subject_counts (uri, commenters)
    SELECT NEW.subject_uri, NOT EXISTS (SELECT 1 FROM comments WHERE did = NEW.did AND subject_uri = NEW.subject_uri AND uri <> NEW.uri)
      AND NOT EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = NEW.did AND bp.subject = substr(NEW.subject_uri, 6, instr(substr(NEW.subject_uri, 6), '/') - 1))
                                                     OR (bp.subject = NEW.did AND bp.did = substr(NEW.subject_uri, 6, instr(substr(NEW.subject_uri, 6), '/') - 1)))
    WHERE true
    ON CONFLICT (uri) DO UPDATE SET commenters = commenters + excluded.commenters;
END;
CREATE TRIGGER comments_counted_on_delete AFTER DELETE ON comments BEGIN
  UPDATE subject_counts SET commenters = commenters - 1
   WHERE uri = OLD.subject_uri
     AND NOT EXISTS (SELECT 1 FROM comments WHERE did = OLD.did AND subject_uri = OLD.subject_uri)
     AND NOT EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = OLD.did AND bp.subject = substr(OLD.subject_uri, 6, instr(substr(OLD.subject_uri, 6), '/') - 1))
                                                    OR (bp.subject = OLD.did AND bp.did = substr(OLD.subject_uri, 6, instr(substr(OLD.subject_uri, 6), '/') - 1)));
END;
-- Rows only change by insert and delete (the replace triggers above); an UPDATE would bypass the counts.
CREATE TRIGGER likes_not_updated BEFORE UPDATE OF did, subject_uri ON likes BEGIN SELECT RAISE(ABORT, 'likes change by delete and insert'); END;
CREATE TRIGGER comments_not_updated BEFORE UPDATE OF did, subject_uri ON comments BEGIN SELECT RAISE(ABORT, 'comments change by delete and insert'); END;

-- A pair whose block began or ended, both ways: every subject one of them liked or commented on in
-- the other's repo is counted again from scratch. Rows live only for the statement that adds them.
CREATE TABLE recount_pairs (x TEXT NOT NULL, y TEXT NOT NULL);
CREATE TRIGGER recount_pair AFTER INSERT ON recount_pairs BEGIN
  UPDATE subject_counts SET
    likers = (SELECT COUNT(DISTINCT l.did) FROM likes l WHERE l.subject_uri = subject_counts.uri
      AND NOT EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = l.did AND bp.subject = substr(subject_counts.uri, 6, instr(substr(subject_counts.uri, 6), '/') - 1))
                                                     OR (bp.subject = l.did AND bp.did = substr(subject_counts.uri, 6, instr(substr(subject_counts.uri, 6), '/') - 1)))),
    commenters = (SELECT COUNT(DISTINCT m.did) FROM comments m WHERE m.subject_uri = subject_counts.uri
      AND NOT EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = m.did AND bp.subject = substr(subject_counts.uri, 6, instr(substr(subject_counts.uri, 6), '/') - 1))
                                                     OR (bp.subject = m.did AND bp.did = substr(subject_counts.uri, 6, instr(substr(subject_counts.uri, 6), '/') - 1))))
   WHERE uri IN (
     SELECT subject_uri FROM likes WHERE did = NEW.x AND subject_uri >= 'at://' || NEW.y || '/' AND subject_uri < 'at://' || NEW.y || '0'
     UNION SELECT subject_uri FROM likes WHERE did = NEW.y AND subject_uri >= 'at://' || NEW.x || '/' AND subject_uri < 'at://' || NEW.x || '0'
     UNION SELECT subject_uri FROM comments WHERE did = NEW.x AND subject_uri >= 'at://' || NEW.y || '/' AND subject_uri < 'at://' || NEW.y || '0'
     UNION SELECT subject_uri FROM comments WHERE did = NEW.y AND subject_uri >= 'at://' || NEW.x || '/' AND subject_uri < 'at://' || NEW.x || '0');
  DELETE FROM recount_pairs WHERE rowid = NEW.rowid;
END;
CREATE TRIGGER blocks_recounted_on_insert AFTER INSERT ON blocks BEGIN INSERT INTO recount_pairs VALUES (NEW.did, NEW.subject); END;
CREATE TRIGGER blocks_recounted_on_delete AFTER DELETE ON blocks BEGIN INSERT INTO recount_pairs VALUES (OLD.did, OLD.subject); END;
CREATE TRIGGER list_blocks_recounted_on_insert AFTER INSERT ON list_blocks BEGIN
  INSERT INTO recount_pairs SELECT NEW.did, subject FROM list_items WHERE list_uri = NEW.list_uri;
END;
CREATE TRIGGER list_blocks_recounted_on_delete AFTER DELETE ON list_blocks BEGIN
  INSERT INTO recount_pairs SELECT OLD.did, subject FROM list_items WHERE list_uri = OLD.list_uri;
END;
CREATE TRIGGER list_items_recounted_on_insert AFTER INSERT ON list_items BEGIN
  INSERT INTO recount_pairs SELECT did, NEW.subject FROM list_blocks WHERE list_uri = NEW.list_uri;
END;
CREATE TRIGGER list_items_recounted_on_delete AFTER DELETE ON list_items BEGIN
  INSERT INTO recount_pairs SELECT did, OLD.subject FROM list_blocks WHERE list_uri = OLD.list_uri;
END;
-- Blocks, list blocks and list items change by delete and insert too.
CREATE TRIGGER blocks_not_updated BEFORE UPDATE OF did, subject ON blocks BEGIN SELECT RAISE(ABORT, 'blocks change by delete and insert'); END;
CREATE TRIGGER list_blocks_not_updated BEFORE UPDATE OF did, list_uri ON list_blocks BEGIN SELECT RAISE(ABORT, 'list blocks change by delete and insert'); END;
CREATE TRIGGER list_items_not_updated BEFORE UPDATE OF list_uri, subject ON list_items BEGIN SELECT RAISE(ABORT, 'list items change by delete and insert'); END;

-- What the index holds already.
INSERT INTO subject_counts (uri, likers, commenters)
  SELECT s.uri,
    (SELECT COUNT(DISTINCT l.did) FROM likes l WHERE l.subject_uri = s.uri
      AND NOT EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = l.did AND bp.subject = substr(s.uri, 6, instr(substr(s.uri, 6), '/') - 1))
                                                     OR (bp.subject = l.did AND bp.did = substr(s.uri, 6, instr(substr(s.uri, 6), '/') - 1)))),
    (SELECT COUNT(DISTINCT m.did) FROM comments m WHERE m.subject_uri = s.uri
      AND NOT EXISTS (SELECT 1 FROM block_pairs bp WHERE (bp.did = m.did AND bp.subject = substr(s.uri, 6, instr(substr(s.uri, 6), '/') - 1))
                                                     OR (bp.subject = m.did AND bp.did = substr(s.uri, 6, instr(substr(s.uri, 6), '/') - 1))))
  FROM (SELECT subject_uri AS uri FROM likes UNION SELECT subject_uri FROM comments) s;
