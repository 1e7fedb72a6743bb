import { MAX_CHAIN } from '../views/visibility.ts';

/** `value ->> 0, …, value ->> n-1`: the columns of a JSON array row read from json_each. */
const fields = (n: number) => Array.from({ length: n }, (_, i) => `value ->> ${i}`).join(', ');
const put = (table: string, columns: string[], verb = 'INSERT OR REPLACE') =>
	`${verb} INTO ${table} (${columns.join(', ')}) SELECT ${fields(columns.length)} FROM json_each(?1)`;
const drop = (table: string, key = 'uri') => `DELETE FROM ${table} WHERE ${key} IN (SELECT value ->> 0 FROM json_each(?1))`;

/**
 * The notifications of a segment, in the order their writes came (ids are cursors, and the first
 * reason listed for a record wins `UNIQUE (uri, recipient)`). Each row names where its recipients
 * are found (`via`, `arg`); the author is never told of their own record, except of their consent
 * expiring (`until`: the end of the notice window). Every lookup goes by an index from the rows (a
 * join the other way round would scan `actors` once per statement). D1 allows at most 5 terms in a
 * compound SELECT.
 */
const NOTIFY = `WITH n AS MATERIALIZED (
	  SELECT key AS ord, value ->> 0 AS reason, value ->> 1 AS author, value ->> 2 AS uri, value ->> 3 AS subject,
	    value ->> 4 AS at, value ->> 5 AS via, value ->> 6 AS arg, value ->> 7 AS until FROM json_each(?1)),
	up(ord, did, parent, depth) AS (
	  SELECT n.ord, k.did, k.parent_uri, 1 FROM n JOIN clip_index k ON k.uri = n.arg WHERE n.via = 'chain'
	  UNION ALL SELECT up.ord, k.did, k.parent_uri, up.depth + 1 FROM clip_index k JOIN up ON k.uri = up.parent WHERE up.depth < ${MAX_CHAIN}),
	r(ord, recipient, detail) AS (
	  SELECT n.ord, CASE n.via WHEN 'clip' THEN (SELECT did FROM clips WHERE uri = n.arg)
	    WHEN 'comment' THEN (SELECT did FROM comments WHERE uri = n.arg) ELSE (SELECT did FROM actors WHERE did = n.arg) END, NULL
	    FROM n WHERE n.via IN ('clip', 'comment', 'actor')
	  UNION ALL SELECT n.ord, a.did, NULL FROM n, json_each(n.arg) h JOIN actors a ON a.handle = h.value WHERE n.via = 'handles'
	  UNION ALL SELECT n.ord, d.value, NULL FROM n, json_each(n.arg) d WHERE n.via = 'dids'
	  UNION ALL SELECT DISTINCT ord, did, NULL FROM up
	  UNION ALL SELECT n.ord, c.did, json_object('expiresAt', c.expires_at) FROM n JOIN consents c ON c.did = n.author AND c.uri = n.arg
	    WHERE n.via = 'consent' AND c.expires_at > n.at AND c.expires_at <= n.until)
	INSERT OR IGNORE INTO notifications (recipient, reason, author, uri, subject, indexed_at, detail)
	SELECT r.recipient, n.reason, n.author, n.uri, n.subject, n.at, r.detail FROM r JOIN n ON n.ord = r.ord
	WHERE r.recipient IS NOT NULL AND (n.via = 'consent' OR r.recipient != n.author) ORDER BY r.ord`;

/**
 * Every statement a batch's record writes are made of, each fed the rows of many records at once
 * (`json_each(?1)` of JSON arrays), listed in the order they run within a segment: a record's own
 * statements in the order it needs them (cameos cleared before they are written, the search
 * document before its text), notifications last, as they read what the segment wrote.
 */
const SQL = {
	followPut: `${put('follows', ['uri', 'did', 'subject', 'created_at'], 'INSERT')} WHERE true
		ON CONFLICT (uri) DO UPDATE SET subject = excluded.subject, created_at = excluded.created_at`,
	followDrop: drop('follows'),
	blockPut: put('blocks', ['uri', 'did', 'subject', 'created_at']),
	blockDrop: drop('blocks'),
	listBlockPut: put('list_blocks', ['uri', 'did', 'list_uri', 'created_at']),
	listBlockDrop: drop('list_blocks'),
	listItemPut: put('list_items', ['uri', 'did', 'list_uri', 'subject', 'created_at']),
	listItemDrop: drop('list_items'),
	likePut: put('likes', ['uri', 'did', 'subject_uri', 'created_at']),
	likeDrop: drop('likes'),
	commentPut: put('comments', ['uri', 'cid', 'did', 'subject_uri', 'thread_uri', 'record', 'indexed_at', 'sort_at']),
	commentDrop: drop('comments'),
	crosspostPut: put('crossposts', ['uri', 'did', 'video_cid', 'created_at']),
	crosspostDrop: drop('crossposts'),
	consentPut: put('consents', ['did', 'uri', 'cid', 'audience', 'allowed', 'allow_remix', 'expires_at', 'record', 'created_at', 'indexed_at']),
	consentDrop: drop('consents', 'did'),
	profile: `UPDATE actors SET display_name = p.value ->> 1, avatar_cid = p.value ->> 2 FROM json_each(?1) p WHERE actors.did = p.value ->> 0`,
	clipTombstone: `UPDATE clip_index SET deleted = 1, record = '{}' WHERE uri IN (SELECT value ->> 0 FROM json_each(?1))`,
	cameoDrop: drop('cameos', 'clip_uri'),
	clipPut: `${put(
		'clip_index',
		['uri', 'cid', 'did', 'is_remix', 'record', 'video_cid', 'parent_uri', 'parent_cid', 'root_uri', 'root_cid', 'remix_policy', 'created_at', 'indexed_at', 'sort_at'],
		'INSERT',
	)} WHERE true
		ON CONFLICT (uri) DO UPDATE SET cid = excluded.cid, record = excluded.record, video_cid = excluded.video_cid,
		  parent_uri = excluded.parent_uri, parent_cid = excluded.parent_cid, root_uri = excluded.root_uri,
		  root_cid = excluded.root_cid, remix_policy = excluded.remix_policy, created_at = excluded.created_at, deleted = 0`,
	cameoPut: put('cameos', ['clip_uri', 'did'], 'INSERT'),
	clipTextDrop: `DELETE FROM clip_text WHERE rowid IN (SELECT id FROM search_docs WHERE key IN (SELECT value ->> 0 FROM json_each(?1)))`,
	clipTagDrop: drop('clip_tags', 'clip_uri'),
	searchDocPut: `INSERT INTO search_docs (key) SELECT value ->> 0 FROM json_each(?1) WHERE true ON CONFLICT (key) DO NOTHING`,
	clipTextPut: `INSERT INTO clip_text (rowid, caption, prompt, tags)
		SELECT d.id, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(?1) j JOIN search_docs d ON d.key = j.value ->> 0`,
	clipTagPut: `INSERT OR IGNORE INTO clip_tags (tag, clip_uri) SELECT t.value, j.value ->> 0 FROM json_each(?1) j, json_each(j.value -> 1) t`,
	rejectedRecord: put('rejected_records', ['uri', 'cid', 'reason', 'seen_at'], 'INSERT'),
	notificationDrop: drop('notifications'),
	consentNoticeDrop: `DELETE FROM notifications WHERE reason = 'consentExpiring' AND uri IN (SELECT value ->> 0 FROM json_each(?1))`,
	notify: NOTIFY,
} as const;

export type Kind = keyof typeof SQL;
/** One record's values for one statement, in its columns' order. */
export type Row = readonly [kind: Kind, values: unknown[]];

/** What one record write needs: its rows, and what they read of the index besides the record itself. */
export interface Unit {
	uri: string;
	rows: Row[];
	/** Index keys the rows read (records' URIs, `CLIP_CHAIN`): a later write of one must not run first. */
	reads?: string[];
	/** Keys the write changes besides its own URI (`CLIP_CHAIN`). */
	writes?: string[];
}

/** The key of every clip's place in remix chains: read by remix notifications, written by clip writes. */
export const CLIP_CHAIN = 'clip-chain';

/**
 * Gathers a batch's record writes into a few set-wise statements per segment instead of a few per
 * record. Statements run table by table, so a segment holds only writes whose order does not
 * matter: a record written twice, or a write of something an earlier notification of the segment
 * reads, starts a new segment. The index ends exactly as if each record's statements had run in turn.
 */
export class BatchWrite {
	readonly #segments: Map<Kind, unknown[][]>[] = [];
	#written = new Set<string>();
	#read = new Set<string>();

	add({ uri, rows, reads = [], writes = [] }: Unit): void {
		if (this.#segments.length === 0 || this.#written.has(uri) || [uri, ...writes].some((key) => this.#read.has(key))) {
			this.#segments.push(new Map());
			this.#written = new Set();
			this.#read = new Set();
		}
		const segment = this.#segments.at(-1)!;
		for (const [kind, values] of rows) {
			const list = segment.get(kind);
			if (list) list.push(values);
			else segment.set(kind, [values]);
		}
		this.#written.add(uri);
		for (const key of reads) this.#read.add(key);
	}

	statements(db: D1Database): D1PreparedStatement[] {
		return this.#segments.flatMap((segment) =>
			(Object.keys(SQL) as Kind[]).flatMap((kind) => chunked(segment.get(kind) ?? []).map((rows) => db.prepare(SQL[kind]).bind(rows))),
		);
	}
}

/**
 * D1 refuses a bound value over 2 MB (its string and row limit) and records reach 64 K characters, so a
 * statement's rows go in JSON arrays of at most this many characters (≤ 1.5 MB as UTF-8), in order.
 */
export const MAX_ROWS_CHARS = 500_000;

function chunked(rows: unknown[][]): string[] {
	const chunks: string[] = [];
	let part: string[] = [];
	let size = 0;
	for (const row of rows) {
		const json = JSON.stringify(row);
		if (part.length > 0 && size + json.length > MAX_ROWS_CHARS) {
			chunks.push(`[${part.join(',')}]`);
			[part, size] = [[], 0];
		}
		part.push(json);
		size += json.length + 1;
	}
	if (part.length > 0) chunks.push(`[${part.join(',')}]`);
	return chunks;
}
