import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newDid, seedActor, seedClip } from '../index-fixtures.ts';
import { signedAccount, type SignedAccount } from '../service-jwt.ts';

const NSID = 'com.atproto.moderation.createReport';
const SPAM = 'com.atproto.moderation.defs#reasonSpam';

async function report(body: unknown, reporter?: SignedAccount): Promise<Response> {
	const headers = { 'content-type': 'application/json', ...(reporter ? await reporter.headers(NSID) : {}) };
	return exports.default.fetch(`http://localhost:8787/xrpc/${NSID}`, { method: 'POST', headers, body: JSON.stringify(body) });
}

async function person(): Promise<SignedAccount> {
	const did = newDid();
	await seedActor(did, `r-${did.slice(-8)}.test`);
	return signedAccount(did);
}

const clipRef = (clip: { uri: string; cid: string }) => ({ $type: 'com.atproto.repo.strongRef', ...clip });

describe('com.atproto.moderation.createReport', () => {
	it('keeps a report of a clip and answers as the lexicon says', async () => {
		const [reporter, author] = [await person(), await person()];
		const clip = await seedClip(author.did);
		const response = await report({ reasonType: SPAM, reason: 'the same clip forty times', subject: clipRef(clip) }, reporter);
		expect(response.status).toBe(200);
		const body = await response.json<Record<string, unknown>>();
		expect(body).toMatchObject({ reasonType: SPAM, reason: 'the same clip forty times', subject: clipRef(clip), reportedBy: reporter.did });
		const row = await env.DB.prepare('SELECT reporter, subject_did, subject_uri, forwarded_at FROM reports WHERE id = ?1').bind(body.id).first();
		expect(row).toEqual({ reporter: reporter.did, subject_did: author.did, subject_uri: clip.uri, forwarded_at: null });
	});

	it('takes accounts and comments, and refuses what Dreamreel does not hold', async () => {
		const [reporter, author] = [await person(), await person()];
		expect((await report({ reasonType: SPAM, subject: { $type: 'com.atproto.admin.defs#repoRef', did: author.did } }, reporter)).status).toBe(200);
		const unknown = await report({ reasonType: SPAM, subject: { $type: 'com.atproto.admin.defs#repoRef', did: newDid() } }, reporter);
		expect([unknown.status, (await unknown.json<{ error: string }>()).error]).toEqual([400, 'InvalidRequest']);
		const post = await report({ reasonType: SPAM, subject: clipRef({ uri: `at://${author.did}/app.bsky.feed.post/3kpost`, cid: 'bafyreipost' }) }, reporter);
		expect(post.status).toBe(400);
		const missing = await report({ reasonType: SPAM, subject: clipRef({ uri: `at://${author.did}/video.dreamreel.clip/3knothere`, cid: 'bafyreimissing' }) }, reporter);
		expect(missing.status).toBe(400);
	});

	it('needs service auth, a known reason type, and appeals only from the author', async () => {
		const [reporter, author] = [await person(), await person()];
		const clip = await seedClip(author.did);
		expect((await report({ reasonType: SPAM, subject: clipRef(clip) })).status).toBe(401);
		expect((await report({ reasonType: 'com.example#reasonWhatever', subject: clipRef(clip) }, reporter)).status).toBe(400);
		const appeal = { reasonType: 'com.atproto.moderation.defs#reasonAppeal', subject: clipRef(clip) };
		expect((await report(appeal, reporter)).status).toBe(400);
		expect((await report(appeal, author)).status).toBe(200);
	});

	it('limits each reporter to REPORTS_PER_HOUR, without touching others', async () => {
		const [reporter, other, author] = [await person(), await person(), await person()];
		const clip = await seedClip(author.did);
		const statuses: number[] = [];
		for (let i = 0; i < 21; i++) statuses.push((await report({ reasonType: SPAM, subject: clipRef(clip) }, reporter)).status);
		expect(statuses.filter((status) => status === 200)).toHaveLength(20);
		const refused = await report({ reasonType: SPAM, subject: clipRef(clip) }, reporter);
		expect([refused.status, (await refused.json<{ error: string }>()).error, refused.headers.get('retry-after')]).toEqual([429, 'RateLimitExceeded', '3600']);
		expect((await report({ reasonType: SPAM, subject: clipRef(clip) }, other)).status).toBe(200);
		const { n } = (await env.DB.prepare('SELECT COUNT(*) AS n FROM reports WHERE reporter = ?1').bind(reporter.did).first<{ n: number }>())!;
		expect(n).toBe(20);
	});
});
