// Rows seeded straight into the index (D1), for tests of the views and of the rules they share with
// generation. Each test makes its own accounts (`newDid`): storage is shared across a file's tests.
import { env } from 'cloudflare:workers';
import type { Did, ResourceUri } from '@atcute/lexicons';

export interface Ref {
	uri: ResourceUri;
	cid: string;
}

const iso = () => new Date().toISOString();

let counter = 0;
/** A DID no other test has used. */
export function newDid(): `did:plc:${string}` {
	counter += 1;
	return `did:plc:test${Date.now().toString(36)}${counter}`;
}

export async function seedActor(did: string, handle: string, options: { active?: boolean } = {}): Promise<void> {
	await env.DB.prepare('INSERT OR IGNORE INTO actors (did, handle, pds, active, indexed_at) VALUES (?, ?, ?, ?, ?)')
		.bind(did, handle, 'https://pds.example', options.active === false ? 0 : 1, iso())
		.run();
}

export async function seedConsent(
	did: string,
	audience: string,
	options: { allowed?: string[]; allowRemix?: boolean; expiresAt?: string } = {},
): Promise<void> {
	const record = { audience, allowed: options.allowed, allowRemix: options.allowRemix ?? true, expiresAt: options.expiresAt, createdAt: iso() };
	await env.DB.prepare(
		`INSERT OR REPLACE INTO consents (did, uri, cid, audience, allowed, allow_remix, expires_at, record, created_at, indexed_at)
		 VALUES (?, ?, 'bafyreiconsent', ?, ?, ?, ?, ?, ?, ?)`,
	)
		.bind(
			did,
			`at://${did}/video.dreamreel.consent/self`,
			audience,
			JSON.stringify(options.allowed ?? []),
			options.allowRemix === false ? 0 : 1,
			options.expiresAt ?? null,
			JSON.stringify(record),
			iso(),
			iso(),
		)
		.run();
}

export async function seedFollow(did: string, subject: string): Promise<void> {
	await env.DB.prepare('INSERT INTO follows (uri, did, subject, created_at) VALUES (?, ?, ?, ?)')
		.bind(`at://${did}/app.bsky.graph.follow/${crypto.randomUUID()}`, did, subject, iso())
		.run();
}

export async function seedClip(
	did: string,
	options: { remixPolicy?: string; cameos?: string[]; prompt?: string; caption?: string; tags?: string[]; labels?: string[]; videoCid?: string; lineage?: { parent: Ref; root: Ref } } = {},
): Promise<Ref> {
	const remix = options.lineage !== undefined;
	const uri: ResourceUri = `at://${did as Did}/video.dreamreel.${remix ? 'remix' : 'clip'}/${crypto.randomUUID().slice(0, 13)}`;
	const cid = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
	const record = {
		prompt: options.prompt ?? 'a paper boat on a stormy sea',
		...(options.caption ? { caption: options.caption } : {}),
		...(options.tags ? { tags: options.tags } : {}),
		...(options.labels ? { labels: { $type: 'com.atproto.label.defs#selfLabels', values: options.labels.map((val) => ({ val })) } } : {}),
		remixPolicy: options.remixPolicy ?? 'everyone',
		createdAt: iso(),
	};
	const { parent, root } = options.lineage ?? {};
	await env.DB.prepare(
		`INSERT INTO clip_index (uri, cid, did, is_remix, record, video_cid, parent_uri, parent_cid, root_uri, root_cid, remix_policy, created_at, indexed_at, sort_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	)
		.bind(uri, cid, did, remix ? 1 : 0, JSON.stringify(record), options.videoCid ?? 'bafkreivideo', parent?.uri ?? null, parent?.cid ?? null, root?.uri ?? null, root?.cid ?? null, options.remixPolicy ?? 'everyone', iso(), iso(), iso())
		.run();
	for (const cameo of options.cameos ?? []) {
		await env.DB.prepare('INSERT INTO cameos (clip_uri, did) VALUES (?, ?)').bind(uri, cameo).run();
	}
	return { uri, cid };
}
