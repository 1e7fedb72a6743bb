-- Notifications that are not about a record someone wrote: a consent about to expire (`uri` the
-- consent record, `detail` its expiry) and a generation job that ended (`uri` 'job:<id>', `detail`
-- its status and error). `detail` is JSON; record notifications leave it NULL.
ALTER TABLE notifications ADD COLUMN detail TEXT;

-- The sweep for consents about to expire (worker/ingest/notify.ts) reads a window of this.
CREATE INDEX consents_by_expiry ON consents (expires_at) WHERE expires_at IS NOT NULL;
