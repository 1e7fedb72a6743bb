// Reads are open to anyone, so their cost is bounded: per client address (the Rate Limiting
// binding, keyed by the address Cloudflare's edge gives), and per call for the expensive ones.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newDid, seedActor, seedClip } from '../index-fixtures.ts';

const read = (path: string, address?: string) =>
	exports.default.fetch(`http://localhost:8787${path}`, { headers: address ? { 'cf-connecting-ip': address } : {} });

const address = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

describe('requests are rate-limited per client address', () => {
	it('answers 429 with Retry-After past the limit, for XRPC and video reads alike; other addresses are served', async () => {
		const mine = address();
		const statuses: number[] = [];
		for (let i = 0; i < 1210; i++) statuses.push((await read(i % 2 ? '/video/not-a-cid' : '/xrpc/video.dreamreel.getClips?uris=x', mine)).status);
		expect(new Set(statuses.slice(0, 1200))).toEqual(new Set([400]));
		expect(statuses.slice(1200).every((status) => status === 429)).toBe(true);
		const refused = await read('/xrpc/video.dreamreel.getClips?uris=x', mine);
		expect(refused.status).toBe(429);
		expect(await refused.json()).toMatchObject({ error: 'RateLimitExceeded' });
		expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
		expect((await read('/video/not-a-cid', `${mine.split('.').slice(0, 3).join('.')}.0`)).status).toBe(400);
		// Calls too: a token naming any DID would otherwise make us resolve it.
		const call = await exports.default.fetch('http://localhost:8787/xrpc/video.dreamreel.generate', { method: 'POST', headers: { 'cf-connecting-ip': mine, authorization: 'Bearer x.y.z' } });
		expect(call.status).toBe(429);
	}, 30_000); // 1 210 requests one after another: seconds on a loaded 2-core machine

	it('does not count the addresses the deployment exempts (RATE_LIMIT_EXEMPT: a monitor, a load test)', async () => {
		const statuses = new Set<number>();
		for (let i = 0; i < 1210; i++) statuses.add((await read('/xrpc/video.dreamreel.getClips?uris=x', '198.51.100.7')).status);
		expect(statuses).toEqual(new Set([400]));
	}, 30_000);
});

describe('expensive reads are bounded', () => {
	it('getLineage of a clip with thousands of remixes, a chain of them deep, stays small: a capped tree', async () => {
		const author = newDid();
		await seedActor(author, 'wide.test');
		const root = await seedClip(author);
		let parent = root;
		for (let i = 0; i < 12; i++) parent = await seedClip(author, { lineage: { parent, root } });
		const statements = [];
		for (let i = 0; i < 1500; i++) {
			const uri = `at://${author}/video.dreamreel.remix/wide${i}`;
			statements.push(
				env.DB.prepare(
					`INSERT INTO clip_index (uri, cid, did, is_remix, record, video_cid, parent_uri, parent_cid, root_uri, root_cid, remix_policy, created_at, indexed_at, sort_at)
					 SELECT ?, cid, did, 1, record, video_cid, ?, ?, ?, ?, remix_policy, created_at, indexed_at, sort_at FROM clip_index WHERE uri = ?`,
				).bind(uri, root.uri, root.cid, root.uri, root.cid, root.uri),
			);
		}
		await env.DB.batch(statements);

		const wide = await read(`/xrpc/video.dreamreel.getLineage?uri=${encodeURIComponent(root.uri)}&depth=10`);
		const text = await wide.text();
		expect(wide.status).toBe(200);
		type Node = { children: Node[]; truncated?: boolean };
		const { descendants } = JSON.parse(text) as { descendants: Node[] };
		const count = (nodes: Node[]): number => nodes.reduce((sum, node) => sum + 1 + count(node.children), 0);
		expect(count(descendants)).toBeLessThanOrEqual(200);
		expect(text.length).toBeLessThan(512 * 1024);
	});
});
