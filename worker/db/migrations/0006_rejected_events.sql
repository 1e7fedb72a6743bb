-- Stream events that could not be decoded or applied (malformed JSON or CBOR, a message its schema
-- refuses, an event whose write fails), kept with the reason and where in the stream they came, and
-- skipped: no single event can stop ingestion.
CREATE TABLE rejected_events (
  source_cursor INTEGER,
  did TEXT,
  reason TEXT NOT NULL,
  seen_at TEXT NOT NULL
);
