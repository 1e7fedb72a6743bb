import { facetsOf, normalizeTag } from '../facets.ts';
import type { CLIP, REMIX } from '../nsid.ts';
import type { Row } from './batch-write.ts';
import type { IndexedRecord } from './records.ts';

type ClipRecord = IndexedRecord<typeof CLIP | typeof REMIX>;

/** The tags a clip is found by: its record's `tags` and its caption's #hashtags. */
export function clipTags(record: ClipRecord): string[] {
	return [...new Set([...(record.tags ?? []).map(normalizeTag), ...facetsOf(record.caption).tags])];
}

/**
 * The rows that make search find clip `uri` by what `record` says, or (null: deleted) no more.
 * They are written with the clip's own rows, so search never disagrees with the index.
 */
export function clipSearchRows(uri: string, record: ClipRecord | null): Row[] {
	const cleared: Row[] = [['clipTextDrop', [uri]], ['clipTagDrop', [uri]]];
	if (!record) return cleared;
	const tags = clipTags(record);
	return [...cleared, ['searchDocPut', [uri]], ['clipTextPut', [uri, record.caption ?? null, record.prompt ?? null, tags.join(' ')]], ['clipTagPut', [uri, tags]]];
}
