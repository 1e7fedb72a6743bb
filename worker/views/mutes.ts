import type { $type } from '@atcute/lexicons';
import type { VideoDreamreelDefs } from '../lexicons/index.ts';
import type { Position } from './cursor.ts';
import { profileView, type AuthorColumns } from './profile-view.ts';

/** Mutes are kept per viewer in D1; these bound what one account can make us store. */
export const MAX_MUTES = 10_000;

/** Mutes `subject` for `viewer`; false when the viewer already has MAX_MUTES (muting again changes nothing). */
export async function mute(db: D1Database, viewer: string, subject: string, now = new Date()): Promise<boolean> {
	const { meta } = await db
		.prepare(
			`INSERT INTO mutes (did, subject, created_at) SELECT ?1, ?2, ?3
			 WHERE (SELECT COUNT(*) FROM mutes WHERE did = ?1) < ?4 OR EXISTS (SELECT 1 FROM mutes WHERE did = ?1 AND subject = ?2)
			 ON CONFLICT (did, subject) DO NOTHING`,
		)
		.bind(viewer, subject, now.toISOString(), MAX_MUTES)
		.run();
	if (meta.changes > 0) return true;
	return (await db.prepare('SELECT 1 FROM mutes WHERE did = ?1 AND subject = ?2').bind(viewer, subject).first()) !== null;
}

export async function unmute(db: D1Database, viewer: string, subject: string): Promise<void> {
	await db.prepare('DELETE FROM mutes WHERE did = ?1 AND subject = ?2').bind(viewer, subject).run();
}

/** The viewer's muted words, as stored: lower-cased, each once. */
export async function putMutedWords(db: D1Database, viewer: string, words: string[]): Promise<void> {
	const unique = [...new Set(words.map((word) => word.trim().toLowerCase()).filter((word) => word.length > 0))];
	await db.batch([
		db.prepare('DELETE FROM muted_words WHERE did = ?1').bind(viewer),
		db.prepare('INSERT INTO muted_words (did, word) SELECT ?1, value FROM json_each(?2)').bind(viewer, JSON.stringify(unique)),
	]);
}

type MuteRow = AuthorColumns & Position;

/** A page of the accounts `viewer` muted, most recent first, and (on the first page) their muted words. */
export async function mutesOf(db: D1Database, viewer: string, limit: number, after?: Position) {
	const [accounts, words] = await db.batch<MuteRow | { word: string }>([
		db
			.prepare(
				`SELECT m.subject AS did, a.handle, a.display_name, a.avatar_cid, a.pds, m.created_at AS sortAt, m.subject AS uri
				 FROM mutes m LEFT JOIN actors a ON a.did = m.subject
				 WHERE m.did = ?1 AND (?2 IS NULL OR m.created_at < ?2 OR (m.created_at = ?2 AND m.subject < ?3))
				 ORDER BY m.created_at DESC, m.subject DESC LIMIT ?4`,
			)
			.bind(viewer, after?.sortAt ?? null, after?.uri ?? null, limit),
		db.prepare('SELECT word FROM muted_words WHERE did = ?1 ORDER BY word').bind(viewer),
	]);
	const rows = accounts!.results as MuteRow[];
	return {
		rows,
		mutes: rows.map((row): $type.enforce<VideoDreamreelDefs.ProfileViewBasic> => profileView(row)),
		words: (words!.results as { word: string }[]).map((row) => row.word),
	};
}
