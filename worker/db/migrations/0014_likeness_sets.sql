-- A likeness is a set of 1 to 4 images (objects `likeness/<did>/<n>`): `cid` now names the set (the
-- DAG-CBOR CID of the list of image CIDs, worker/likeness/cid.ts) and `images` describes each, in
-- order, as JSON [{cid, mimeType, size}]. Single-image rows from 0011 never match a set commitment;
-- nothing was deployed with them, so they are dropped rather than converted.
DELETE FROM likenesses;
ALTER TABLE likenesses DROP COLUMN mime_type;
ALTER TABLE likenesses DROP COLUMN size;
ALTER TABLE likenesses ADD COLUMN images TEXT NOT NULL DEFAULT '[]';
