-- What each index write implies beyond the index (timeline fan-out, video mirroring, accounts to bring
-- in, proofs to fetch), written in the same transaction as the write, so a crash between the two
-- loses none of it. The Ingester hands each row on to its own durable queues and then deletes it.
CREATE TABLE outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  work TEXT NOT NULL,
  created_at TEXT NOT NULL
);
