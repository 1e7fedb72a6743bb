import { DurableObject } from 'cloudflare:workers';
import type { TimelineItem } from '../worker/feeds/timeline.ts';
import type { Position } from '../worker/views/cursor.ts';
import { migrate } from './migrate.ts';

/** Timelines keep this many recent items; older pages fall back to the index. */
const MAX_ITEMS = 5000;

const SCHEMA = [
	// IF NOT EXISTS: objects created before this list existed already hold the table.
	`CREATE TABLE IF NOT EXISTS items (uri TEXT PRIMARY KEY, author TEXT NOT NULL, sort_at TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS items_by_time ON items (sort_at DESC, uri DESC)`,
	`CREATE INDEX IF NOT EXISTS items_by_author ON items (author)`,
];

/**
 * One viewer's following timeline (one object per viewer DID): the clips of the people they follow,
 * pushed here as they are published (fan-out on write). Creators with very many followers are not
 * pushed; readers merge them in from the index (fan-in on read).
 */
export class Timeline extends DurableObject<Env> {
	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		ctx.storage.transactionSync(() => migrate(ctx.storage.sql, SCHEMA));
	}

	add(items: TimelineItem[]): void {
		this.ctx.storage.transactionSync(() => {
			for (const item of items) {
				this.ctx.storage.sql.exec('INSERT OR REPLACE INTO items (uri, author, sort_at) VALUES (?, ?, ?)', item.uri, item.author, item.sortAt);
			}
			this.ctx.storage.sql.exec(
				'DELETE FROM items WHERE uri IN (SELECT uri FROM items ORDER BY sort_at DESC, uri DESC LIMIT -1 OFFSET ?)',
				MAX_ITEMS,
			);
		});
	}

	removeClips(uris: string[]): void {
		this.ctx.storage.sql.exec('DELETE FROM items WHERE uri IN (SELECT value FROM json_each(?))', JSON.stringify(uris));
	}

	/** When a reader's timeline is first filled: what was pushed before, of creators since unfollowed, goes. */
	keepAuthors(authors: string[]): void {
		this.ctx.storage.sql.exec('DELETE FROM items WHERE author NOT IN (SELECT value FROM json_each(?))', JSON.stringify(authors));
	}

	/** After an unfollow. */
	removeAuthor(author: string): void {
		this.ctx.storage.sql.exec('DELETE FROM items WHERE author = ?', author);
	}

	/** Newest first, strictly after `after` in (sortAt, uri) order: stable under concurrent inserts. */
	page(limit: number, after?: Position): TimelineItem[] {
		return this.ctx.storage.sql
			.exec<{ uri: string; author: string; sortAt: string }>(
				`SELECT uri, author, sort_at AS sortAt FROM items
				 WHERE ?1 IS NULL OR sort_at < ?1 OR (sort_at = ?1 AND uri < ?2)
				 ORDER BY sort_at DESC, uri DESC LIMIT ?3`,
				after?.sortAt ?? null,
				after?.uri ?? null,
				limit,
			)
			.toArray();
	}
}
