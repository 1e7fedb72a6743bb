import { facetsOf, normalizeTag } from '../facets.ts';
import type { CLIP, REMIX } from '../nsid.ts';
import type { IndexedRecord } from './records.ts';

type ClipRecord = IndexedRecord<typeof CLIP | typeof REMIX>;

/** The tags a clip is found by: its record's `tags` and its caption's #hashtags. */
export function clipTags(record: ClipRecord): string[] {
	return [...new Set([...(record.tags ?? []).map(normalizeTag), ...facetsOf(record.caption).tags])];
}

/**
 * The statements that make search find clip `uri` by what `record` says, or (null: deleted) no more.
 * They run in the same batch as the clip's own write, so search never disagrees with the index.
 */
export function clipSearchStatements(db: D1Database, uri: string, record: ClipRecord | null): D1PreparedStatement[] {
	const statements = [
		db.prepare('DELETE FROM clip_text WHERE rowid = (SELECT id FROM search_docs WHERE key = ?1)').bind(uri),
		db.prepare('DELETE FROM clip_tags WHERE clip_uri = ?1').bind(uri),
	];
	if (!record) return statements;
	const tags = clipTags(record);
	statements.push(
		db.prepare('INSERT INTO search_docs (key) VALUES (?1) ON CONFLICT (key) DO NOTHING').bind(uri),
		db
			.prepare('INSERT INTO clip_text (rowid, caption, prompt, tags) SELECT id, ?2, ?3, ?4 FROM search_docs WHERE key = ?1')
			.bind(uri, record.caption ?? null, record.prompt ?? null, tags.join(' ')),
		db.prepare('INSERT OR IGNORE INTO clip_tags (tag, clip_uri) SELECT value, ?1 FROM json_each(?2)').bind(uri, JSON.stringify(tags)),
	);
	return statements;
}
