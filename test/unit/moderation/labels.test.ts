import { env, exports } from 'cloudflare:workers';
import { encode, toBytes } from '@atcute/cbor';
import { P256PrivateKeyExportable, parsePublicMultikey } from '@atcute/crypto';
import { describe, expect, it } from 'vitest';
import { decodeLabelFrame, labelStatements, verifyLabel, type Label } from '../../../worker/moderation/labels.ts';
import { newDid, seedActor, seedClip, type Ref } from '../index-fixtures.ts';
import { signedAccount, type SignedAccount } from '../service-jwt.ts';

const LABELER = 'did:plc:labelerlabelerlabelerlab';

async function signed(label: Omit<Label, 'sig' | 'src' | 'ver'>, keypair: P256PrivateKeyExportable): Promise<Label> {
	const unsigned = { ver: 1, src: LABELER, ...label } as Label;
	return { ...unsigned, sig: toBytes(await keypair.sign(encode(unsigned))) };
}

const label = (uri: string, val: string, extra: Partial<Label> = {}) => ({ uri, val, cts: new Date().toISOString(), ...extra }) as Omit<Label, 'sig' | 'src' | 'ver'>;

async function store(...labels: Omit<Label, 'sig' | 'src' | 'ver'>[]): Promise<void> {
	await env.DB.batch(labelStatements(env.DB, labels.map((item) => ({ ver: 1, src: LABELER, ...item }) as Label)));
}

const status = async (clip: Ref, viewer?: SignedAccount) =>
	(await exports.default.fetch(`http://localhost:8787/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clip.uri)}`, viewer ? { headers: await viewer.headers('video.dreamreel.getClip') } : {})).status;

async function setAdult(viewer: SignedAccount, adultContent: boolean): Promise<void> {
	const nsid = 'video.dreamreel.putPreferences';
	const response = await exports.default.fetch(`http://localhost:8787/xrpc/${nsid}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', ...(await viewer.headers(nsid)) },
		body: JSON.stringify({ adultContent }),
	});
	expect(response.status).toBe(200);
}

async function authorClip(): Promise<{ did: string; clip: Ref }> {
	const did = newDid();
	await seedActor(did, `l-${did.slice(-8)}.test`);
	return { did, clip: await seedClip(did) };
}

describe('labels', () => {
	it('verify only with the labeler’s key and only as signed', async () => {
		const keypair = await P256PrivateKeyExportable.createKeypair();
		const key = parsePublicMultikey(await keypair.exportPublicKey('multikey'));
		const good = await signed(label('at://did:plc:x/video.dreamreel.clip/3k', '!hide'), keypair);
		expect(await verifyLabel(good, key)).toBe(true);
		expect(await verifyLabel({ ...good, val: '!warn' }, key)).toBe(false);
		expect(await verifyLabel({ ...good, neg: true }, key)).toBe(false);
		const { sig: _sig, ...unsigned } = good;
		expect(await verifyLabel(unsigned as Label, key)).toBe(false);
		const other = parsePublicMultikey(await (await P256PrivateKeyExportable.createKeypair()).exportPublicKey('multikey'));
		expect(await verifyLabel(good, other)).toBe(false);
	});

	it('frames decode to their labels and seq; other frames are ignored; bad ones throw', async () => {
		const keypair = await P256PrivateKeyExportable.createKeypair();
		const one = await signed(label('did:plc:someone', '!takedown'), keypair);
		const frame = new Uint8Array([...encode({ op: 1, t: '#labels' }), ...encode({ seq: 7, labels: [one] })]);
		const decoded = decodeLabelFrame(frame);
		expect(decoded).toMatchObject({ kind: 'labels', seq: 7, labels: [{ uri: 'did:plc:someone', val: '!takedown' }] });
		const key = parsePublicMultikey(await keypair.exportPublicKey('multikey'));
		expect(await verifyLabel((decoded as { labels: Label[] }).labels[0]!, key)).toBe(true);
		expect(decodeLabelFrame(new Uint8Array([...encode({ op: 1, t: '#info' }), ...encode({ name: 'OutdatedCursor' })]))).toBeNull();
		expect(decodeLabelFrame(new Uint8Array([...encode({ op: -1 }), ...encode({ error: 'FutureCursor' })]))).toEqual({ kind: 'error', error: 'FutureCursor' });
		expect(() => decodeLabelFrame(new Uint8Array([...encode({ op: 1, t: '#labels' }), ...encode({ seq: 8, labels: [{ val: 1 }] })]))).toThrow();
	});

	it('!hide on a clip hides it, a later negation shows it again, an older label changes nothing', async () => {
		const { clip } = await authorClip();
		const hour = 3_600_000;
		await store(label(clip.uri, '!hide', { cts: new Date(Date.now() - hour).toISOString() }));
		expect(await status(clip)).toBe(404);
		await store(label(clip.uri, '!hide', { cts: new Date().toISOString(), neg: true }));
		expect(await status(clip)).toBe(200);
		await store(label(clip.uri, '!hide', { cts: new Date(Date.now() - 2 * hour).toISOString() }));
		expect(await status(clip)).toBe(200);
	});

	it('!takedown on an account hides all of its clips; an expired one no longer does', async () => {
		const { did, clip } = await authorClip();
		await store(label(did, '!takedown', { exp: new Date(Date.now() + 60_000).toISOString() }));
		expect(await status(clip)).toBe(404);
		await store(label(did, '!takedown', { cts: new Date(Date.now() + 1000).toISOString(), exp: new Date(Date.now() - 1000).toISOString() }));
		expect(await status(clip)).toBe(200);
	});

	it('other labels are shown in the views, on the clip and on its author, and are not hiding', async () => {
		const { did, clip } = await authorClip();
		await store(label(clip.uri, '!warn'), label(did, 'bot'));
		const response = await exports.default.fetch(`http://localhost:8787/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clip.uri)}`);
		const { clip: view } = await response.json<{ clip: { labels: Label[]; author: { labels: Label[] } } }>();
		expect(view.labels.map((item) => [item.src, item.uri, item.val])).toEqual([[LABELER, clip.uri, '!warn']]);
		expect(view.author.labels.map((item) => [item.uri, item.val])).toEqual([[did, 'bot']]);
	});

	it('adult labels, from a labeler or the author’s own self-labels, hide a clip unless the viewer turned adult content on', async () => {
		const { did, clip } = await authorClip();
		const selfLabelled = await seedClip(did, { labels: ['sexual'] });
		const viewer = await signedAccount(newDid());
		await store(label(clip.uri, 'porn'));
		expect([await status(clip), await status(selfLabelled), await status(clip, viewer), await status(selfLabelled, viewer)]).toEqual([404, 404, 404, 404]);
		await setAdult(viewer, true);
		expect([await status(clip, viewer), await status(selfLabelled, viewer), await status(clip)]).toEqual([200, 200, 404]);
		await setAdult(viewer, false);
		expect(await status(clip, viewer)).toBe(404);
	});

	it('carry only the labelers a client accepts (atproto-accept-labelers), self-labels aside', async () => {
		const { clip } = await authorClip();
		await store(label(clip.uri, '!warn'));
		const get = async (accept?: string) => {
			const response = await exports.default.fetch(`http://localhost:8787/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clip.uri)}`, {
				headers: accept ? { 'atproto-accept-labelers': accept } : {},
			});
			return { labels: (await response.json<{ clip: { labels?: Label[] } }>()).clip.labels ?? [], applied: response.headers.get('atproto-content-labelers') };
		};
		expect((await get()).labels.map((item) => item.src)).toEqual([LABELER]);
		expect(await get('did:plc:someoneelse;redact')).toEqual({ labels: [], applied: '' });
		expect((await get(`did:plc:someoneelse, ${LABELER};redact`)).labels.map((item) => item.val)).toEqual(['!warn']);
	});
});
