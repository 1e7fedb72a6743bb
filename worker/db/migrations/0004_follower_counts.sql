-- How many follow records point at each account, kept by triggers so that deciding whether a
-- creator is "big" (merged into timelines at read time instead of pushed) never counts follows.
-- Counts follow records, not distinct followers: a rare duplicate follow counts twice.
CREATE TABLE follower_counts (
  subject TEXT PRIMARY KEY,
  n INTEGER NOT NULL
);
INSERT INTO follower_counts (subject, n) SELECT subject, COUNT(*) FROM follows GROUP BY subject;

CREATE TRIGGER follows_counted_on_insert AFTER INSERT ON follows BEGIN
  INSERT INTO follower_counts (subject, n) VALUES (NEW.subject, 1)
    ON CONFLICT (subject) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER follows_counted_on_delete AFTER DELETE ON follows BEGIN
  UPDATE follower_counts SET n = n - 1 WHERE subject = OLD.subject;
END;
CREATE TRIGGER follows_counted_on_update AFTER UPDATE OF subject ON follows WHEN OLD.subject <> NEW.subject BEGIN
  UPDATE follower_counts SET n = n - 1 WHERE subject = OLD.subject;
  INSERT INTO follower_counts (subject, n) VALUES (NEW.subject, 1)
    ON CONFLICT (subject) DO UPDATE SET n = n + 1;
END;

-- Fan-out pages through a creator's followers in DID order, resuming after the last one done.
DROP INDEX follows_by_subject;
CREATE INDEX follows_by_subject ON follows (subject, did);
