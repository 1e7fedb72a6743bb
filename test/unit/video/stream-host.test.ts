import { describe, expect, it } from 'vitest';
import { VideoHostError } from '../../../worker/video/host.ts';
import { StreamClient } from '../../../worker/video/stream/client.ts';
import { StreamVideoHost } from '../../../worker/video/stream/host.ts';
import { STREAM_FAKE_ACCOUNT, STREAM_FAKE_API, StreamFake, decodeFakeToken } from '../../fixtures/fakes/stream.ts';

const MP4 = new Uint8Array([0, 0, 0, 24, ...new TextEncoder().encode('ftypisom'), ...new Uint8Array(64)]);
const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
const BLOB = { cid: CID, mimeType: 'video/mp4', size: MP4.length, url: `https://pds.test/xrpc/com.atproto.sync.getBlob?did=did:plc:alice&cid=${CID}` };
const NOW_MS = 1_800_000_000_000;

function setup(options: { watermark?: boolean } = {}) {
	// The PDS: only the blob's URL serves the video.
	const fake = new StreamFake(async (input) => (String(input) === BLOB.url ? new Response(MP4) : new Response('not found', { status: 404 })));
	const client = new StreamClient({ accountId: STREAM_FAKE_ACCOUNT, apiToken: fake.apiToken, apiBase: STREAM_FAKE_API, fetch: fake.fetch, sleep: async () => {} });
	const watermarkUid = options.watermark ? 'c'.repeat(32) : undefined;
	if (watermarkUid) fake.watermarks.set(watermarkUid, { uid: watermarkUid, name: 'AI generated' });
	const host = new StreamVideoHost({ client, customerCode: fake.customerCode, watermarkUid, now: () => NOW_MS });
	return { fake, host };
}

describe('StreamVideoHost', () => {
	it('copies the blob from its PDS URL and is ready once Stream says readyToStream', async () => {
		const { fake, host } = setup();
		const hosted = await host.put(BLOB, { aiGenerated: false, restricted: false });
		expect(hosted).toEqual({ host: 'stream', ref: expect.stringMatching(/^[0-9a-f]{32}$/) });
		expect(fake.view(hosted.ref)).toMatchObject({ meta: { cid: CID }, requireSignedURLs: false, watermark: null });

		const seen = [];
		for (let i = 0; i < 4; i++) seen.push(await host.status(hosted.ref));
		expect(seen).toEqual([{ state: 'pending', progress: 0 }, { state: 'pending', progress: 50 }, { state: 'ready' }, { state: 'ready' }]);
		expect(await host.playback(hosted.ref, { restricted: false })).toEqual({
			hls: `https://customer-${fake.customerCode}.cloudflarestream.com/${hosted.ref}/manifest/video.m3u8`,
			thumbnail: `https://customer-${fake.customerCode}.cloudflarestream.com/${hosted.ref}/thumbnails/thumbnail.jpg`,
		});
	});

	it('watermarks AI-generated clips with the configured profile', async () => {
		const { fake, host } = setup({ watermark: true });
		const ai = await host.put(BLOB, { aiGenerated: true, restricted: false });
		const plain = await host.put(BLOB, { aiGenerated: false, restricted: false });
		expect(fake.view(ai.ref).watermark).toMatchObject({ uid: 'c'.repeat(32) });
		expect(fake.view(plain.ref).watermark).toBeNull();
	});

	it('plays a restricted clip only through a signed token that expires', async () => {
		const { fake, host } = setup();
		const { ref } = await host.put(BLOB, { aiGenerated: false, restricted: true });
		expect(fake.view(ref).requireSignedURLs).toBe(true);
		const urls = await host.playback(ref, { restricted: true });
		const token = /cloudflarestream\.com\/([^/]+)\/manifest\/video\.m3u8$/.exec(urls.hls ?? '')?.[1] ?? '';
		expect(token).not.toBe(ref);
		expect(decodeFakeToken(token)).toEqual({ sub: ref, exp: NOW_MS / 1000 + 3600 });
	});

	it('restricts and lifts a restriction without re-uploading', async () => {
		const { fake, host } = setup();
		const { ref } = await host.put(BLOB, { aiGenerated: false, restricted: false });
		await host.setRestricted(ref, true);
		expect(fake.view(ref).requireSignedURLs).toBe(true);
		await host.setRestricted(ref, false);
		expect(fake.view(ref).requireSignedURLs).toBe(false);
		expect(fake.requests.filter((r) => r.url.pathname.endsWith('/copy'))).toHaveLength(1);
	});

	it('reports an encoding failure with its reason code', async () => {
		const { fake, host } = setup();
		fake.plan = { downloadingPolls: 0, queuedPolls: 0, inprogressPolls: 0, fail: 'ERR_MALFORMED_VIDEO' };
		const { ref } = await host.put(BLOB, { aiGenerated: false, restricted: false });
		expect(await host.status(ref)).toEqual({ state: 'failed', reason: 'ERR_MALFORMED_VIDEO: fake encoding failure' });
	});

	it('reports a blob URL Stream could not fetch as failed', async () => {
		const { host } = setup();
		const { ref } = await host.put({ ...BLOB, url: 'https://pds.test/gone' }, { aiGenerated: false, restricted: false });
		expect(await host.status(ref)).toMatchObject({ state: 'failed', reason: expect.stringMatching(/^ERR_FETCH_ORIGIN_ERROR/) });
	});

	it('removes a video; removing it again is fine', async () => {
		const { fake, host } = setup();
		const { ref } = await host.put(BLOB, { aiGenerated: false, restricted: false });
		await host.remove(ref);
		await host.remove(ref);
		expect(fake.videos.has(ref)).toBe(false);
	});

	it('wraps API failures as VideoHostError, retryable when Stream may recover', async () => {
		const { fake, host } = setup();
		for (let i = 0; i < 4; i++) fake.failNext(503);
		const error = await host.status('d'.repeat(32)).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(VideoHostError);
		expect(error).toMatchObject({ host: 'stream', retryable: true });
		await expect(host.status('d'.repeat(32))).rejects.toMatchObject({ retryable: false });
	});
});
