import { env, exports } from 'cloudflare:workers';
import { safeParse } from '@atcute/lexicons/validations';
import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../../worker/ingest/apply.ts';
import type { NetworkEvent } from '../../../worker/ingest/events.ts';
import { VideoDreamreelSearchActors, VideoDreamreelSearchClips } from '../../../worker/lexicons/index.ts';
import { newDid, seedFollow } from '../index-fixtures.ts';

type Clips = VideoDreamreelSearchClips.$output;

let revs = 0;
/** The next revision: every write goes through the index's own path (applyEvents), as the stream's do. */
const rev = () => `3kaaaaaaa${(revs++).toString(36).padStart(4, '2')}`;

/** Writes a clip into `did`'s repo as the network would deliver it; returns its URI. */
async function write(did: string, fields: Record<string, unknown>, rkey = `3k${crypto.randomUUID().replace(/-/g, '').slice(0, 11)}`): Promise<string> {
	const uri = `at://${did}/video.dreamreel.clip/${rkey}`;
	const record = {
		$type: 'video.dreamreel.clip',
		video: { $type: 'blob', ref: { $link: 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy' }, mimeType: 'video/mp4', size: 10 },
		createdAt: new Date().toISOString(),
		...fields,
	};
	const event: NetworkEvent = { kind: 'commit', cursor: 1, did, rev: rev(), ops: [{ action: 'create', uri, collection: 'video.dreamreel.clip', rkey, cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', record }] };
	await applyEvents(env.DB, [event]);
	return uri;
}

async function remove(did: string, uri: string): Promise<void> {
	const rkey = uri.split('/').pop()!;
	await applyEvents(env.DB, [{ kind: 'commit', cursor: 1, did, rev: rev(), ops: [{ action: 'delete', uri, collection: 'video.dreamreel.clip', rkey }] }]);
}

async function call(nsid: string, params: Record<string, string>): Promise<Response> {
	return exports.default.fetch(`http://localhost:8787/xrpc/${nsid}?${new URLSearchParams(params)}`);
}

/** One page of searchClips, checked against the lexicon. */
async function search(params: Record<string, string>): Promise<Clips> {
	const response = await call('video.dreamreel.searchClips', params);
	expect(response.status).toBe(200);
	const body = await response.json<Clips>();
	expect(safeParse(VideoDreamreelSearchClips.mainSchema.output.schema, body)).toMatchObject({ ok: true });
	return body;
}

const uris = async (params: Record<string, string>) => (await search(params)).clips.map((clip) => clip.uri);

/** A word no other test uses, so each test reads only its own clips. */
const word = () => `w${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;

describe('searchClips', () => {
	it('finds a clip by a word of its caption, its prompt or its tags, and by the prefix of the last word', async () => {
		const [a, b, c] = [word(), word(), word()];
		const uri = await write(newDid(), { caption: `the ${a} at dawn`, prompt: `a ${b} made of glass`, tags: [c] });
		for (const q of [a, b, c, `dawn ${a}`, a.slice(0, 6), a.toUpperCase()]) expect(await uris({ q })).toEqual([uri]);
		expect(await uris({ q: `${a} ${b}x` })).toEqual([]);
	});

	it('finds a clip by tag, given in its tags or as a #hashtag in its caption, whatever the case', async () => {
		const [tag, hashtag] = [word(), word()];
		const tagged = await write(newDid(), { tags: [tag.toUpperCase()] });
		const hashtagged = await write(newDid(), { caption: `look **#${hashtag.toUpperCase()}** here` });
		expect(await uris({ tag })).toEqual([tagged]);
		expect(await uris({ tag: `#${hashtag}` })).toEqual([hashtagged]);
	});

	it('never returns a clip the feeds hide: a cameo without consent, an inactive author', async () => {
		const [q] = [word()];
		const featured = newDid();
		await write(newDid(), { caption: `${q} #${q}`, cameos: [featured] });
		const inactive = newDid();
		await write(inactive, { caption: `${q} #${q}` });
		await env.DB.prepare('UPDATE actors SET active = 0 WHERE did = ?1').bind(inactive).run();
		expect(await uris({ q })).toEqual([]);
		expect(await uris({ tag: q })).toEqual([]);
	});

	it('an edited clip is found by its new words only; a deleted one not at all', async () => {
		const [before, after] = [word(), word()];
		const did = newDid();
		const uri = await write(did, { caption: `#${before}` }, '3kedited22222');
		await write(did, { caption: `#${after}` }, '3kedited22222');
		expect([await uris({ q: before }), await uris({ tag: before }), await uris({ tag: after })]).toEqual([[], [], [uri]]);
		await remove(did, uri);
		expect([await uris({ q: after }), await uris({ tag: after })]).toEqual([[], []]);
	});

	it('reads FTS5 syntax in q as plain words, never as a query', async () => {
		const q = word();
		const uri = await write(newDid(), { caption: `${q} near the sea` });
		for (const hostile of [`"${q}`, `${q} OR *`, `NEAR(${q}`, `${q} -`, 'caption:x', '^*']) {
			expect((await call('video.dreamreel.searchClips', { q: hostile })).status).toBe(200);
		}
		expect(await uris({ q: `"${q}" NEAR` })).toEqual([uri]);
		expect(await uris({ q: '!!! ***' })).toEqual([]);
	});

	it('asks for q or tag, and refuses a cursor it did not make', async () => {
		const none = await call('video.dreamreel.searchClips', {});
		expect([none.status, (await none.json<{ error: string }>()).error]).toEqual([400, 'InvalidRequest']);
		for (const [sort, cursor] of [['latest', 'nonsense'], ['top', 'x:2026-01-01T00:00:00Z::at://a'], ['top', '2026']]) {
			expect((await call('video.dreamreel.searchClips', { q: 'x', sort: sort!, cursor: cursor! })).status).toBe(400);
		}
	});

	it('pages newest first, and most liked first, without repeating or skipping while new clips arrive', async () => {
		const tag = word();
		const posted: string[] = [];
		for (let i = 0; i < 5; i++) posted.push(await write(newDid(), { tags: [tag], createdAt: new Date(Date.now() - (10 - i) * 1000).toISOString() }));
		// Likes by distinct people: posted[1] three, posted[3] one.
		for (const [clip, people] of [[posted[1]!, 3], [posted[3]!, 1]] as const) {
			for (let i = 0; i < people; i++) {
				await env.DB.prepare('INSERT INTO likes (uri, did, subject_uri, created_at) VALUES (?1, ?2, ?3, ?4)')
					.bind(`at://${newDid()}/video.dreamreel.like/${word()}`, newDid(), clip, new Date().toISOString()).run();
			}
		}
		for (const [sort, expected] of [
			['latest', [...posted].reverse()],
			['top', [posted[1], posted[3], posted[4], posted[2], posted[0]]],
		] as const) {
			const seen: string[] = [];
			let cursor: string | undefined;
			do {
				const page = await search({ tag, sort, limit: '2', ...(cursor ? { cursor } : {}) });
				seen.push(...page.clips.map((clip) => clip.uri));
				cursor = page.cursor;
				await write(newDid(), { tags: [tag] });
			} while (cursor);
			expect(new Set(seen).size).toBe(seen.length);
			expect(seen.filter((uri) => posted.includes(uri))).toEqual(expected);
		}
	});
});

describe('searchActors', () => {
	async function actor(handle: string, displayName?: string, active = true): Promise<string> {
		const did = newDid();
		await env.DB.prepare('INSERT INTO actors (did, handle, active, indexed_at) VALUES (?1, ?2, ?3, ?4)').bind(did, handle, active ? 1 : 0, new Date().toISOString()).run();
		if (displayName) {
			await applyEvents(env.DB, [{
				kind: 'commit', cursor: 1, did, rev: rev(),
				ops: [{ action: 'create', uri: `at://${did}/app.bsky.actor.profile/self`, collection: 'app.bsky.actor.profile', rkey: 'self', cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', record: { $type: 'app.bsky.actor.profile', displayName } }],
			}]);
		}
		return did;
	}

	async function typeahead(q: string): Promise<string[]> {
		const response = await call('video.dreamreel.searchActors', { q });
		expect(response.status).toBe(200);
		const body = await response.json<VideoDreamreelSearchActors.$output>();
		expect(safeParse(VideoDreamreelSearchActors.mainSchema.output.schema, body)).toMatchObject({ ok: true });
		return body.actors.map((actor) => actor.did);
	}

	it('finds accounts by handle prefix and by the start of any word of their display name, most followed first', async () => {
		const stem = word();
		const quiet = await actor(`${stem}-quiet.test`);
		const popular = await actor(`${stem}-popular.test`);
		await seedFollow(newDid(), popular);
		const named = await actor(`someone-${word()}.test`, `Ada ${stem}ström`);
		expect(await typeahead(stem.slice(0, 5))).toEqual(expect.arrayContaining([popular, quiet, named]));
		expect((await typeahead(`@${stem}`))[0]).toBe(popular);
		expect(await typeahead(`ada ${stem}strom`)).toEqual([named]);
	});

	it('leaves out inactive accounts, and follows a renamed display name', async () => {
		const stem = word();
		await actor(`${stem}.test`, undefined, false);
		const renamed = await actor(`x${word()}.test`, `Old${stem}`);
		expect(await typeahead(stem)).toEqual([]);
		expect(await typeahead(`old${stem}`)).toEqual([renamed]);
		await env.DB.prepare('UPDATE actors SET display_name = ?2 WHERE did = ?1').bind(renamed, `New${stem}`).run();
		expect([await typeahead(`old${stem}`), await typeahead(`new${stem}`)]).toEqual([[], [renamed]]);
	});
});
