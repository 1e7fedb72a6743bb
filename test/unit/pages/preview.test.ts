// Shared pages (`/c/…`, `/r/…`, `/@…`) as a link-preview crawler fetches them: no script runs, so
// what it learns is in the HTML's head. Only what the views would show gets a preview.
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { newDid, seedActor, seedClip, seedConsent } from '../index-fixtures.ts';

const APP = 'http://localhost:8787';
const POSTER_CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

async function page(path: string) {
	const response = await exports.default.fetch(`${APP}${path}`);
	const html = await response.text();
	// The value as a crawler reads it: character references decoded.
	const meta = (key: string) =>
		html.match(new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)">`))?.[1]?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
	return { status: response.status, html, meta };
}

const pathOf = (uri: string) => {
	const [, , did, collection, rkey] = uri.split('/');
	return `/${collection === 'video.dreamreel.remix' ? 'r' : 'c'}/${did}/${rkey}`;
};

async function withPoster(uri: string) {
	const row = await env.DB.prepare('SELECT record FROM clip_index WHERE uri = ?1').bind(uri).first<{ record: string }>();
	const record = { ...JSON.parse(row!.record), thumbnail: { $type: 'blob', ref: { $link: POSTER_CID }, mimeType: 'image/jpeg', size: 2000 } };
	await env.DB.prepare('UPDATE clip_index SET record = ?2 WHERE uri = ?1').bind(uri, JSON.stringify(record)).run();
}

describe('clip pages', () => {
	it('carry Open Graph and Twitter card tags: title, description, poster and video', async () => {
		const did = newDid();
		await seedActor(did, 'og.test');
		const clip = await seedClip(did, { caption: 'A lighthouse made of glass', prompt: 'a glass lighthouse at dusk' });
		await withPoster(clip.uri);
		const { status, html, meta } = await page(pathOf(clip.uri));
		expect(status).toBe(200);
		expect(meta('og:title')).toBe('A lighthouse made of glass by @og.test');
		expect(meta('og:description')).toBe('A clip made from “a glass lighthouse at dusk”');
		expect(meta('og:url')).toBe(`${APP}${pathOf(clip.uri)}`);
		expect(meta('og:image')).toBe(`https://pds.example/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${POSTER_CID}`);
		expect(meta('og:video')).toBe(`https://pds.example/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=bafkreivideo`);
		expect(meta('og:video:type')).toBe('video/mp4');
		expect(meta('twitter:card')).toBe('summary_large_image');
		expect(html).toContain('<title>A lighthouse made of glass by @og.test · Dreamreel</title>');
		// Still the web client's page: the script takes over the same URL.
		expect(html).toContain('<script type="module" src="/build/main.js">');
		expect(html.match(/<meta name="description"/g)).toHaveLength(1);
	});

	it('a remix page and its lineage page', async () => {
		const did = newDid();
		await seedActor(did, 'remixer.test');
		const root = await seedClip(did);
		const remix = await seedClip(did, { lineage: { parent: root, root } });
		expect((await page(pathOf(remix.uri))).meta('og:description')).toMatch(/^A remix made from/);
		const lineage = await page(`${pathOf(remix.uri)}/lineage`);
		expect(lineage.status).toBe(200);
		expect(lineage.meta('og:url')).toBe(`${APP}${pathOf(remix.uri)}/lineage`);
	});

	it('escapes what authors wrote: a caption cannot add markup to the head', async () => {
		const did = newDid();
		await seedActor(did, 'quotes.test');
		const clip = await seedClip(did, { caption: '"><script>alert(1)</script><meta property="og:image" content="https://evil.example/x.png' });
		const { html, meta } = await page(pathOf(clip.uri));
		expect(html).not.toContain('<script>alert(1)');
		expect(html).not.toContain('evil.example/x.png"');
		expect(meta('og:image')).toBeUndefined();
		expect(meta('og:title')).toBe('"><script>alert(1)</script><meta property="og:image" content="https://evil.example/x.png by @quotes.test');
	});

	it('a hidden clip (its featured person never consented) gets no preview, and 404', async () => {
		const author = newDid();
		const featured = newDid();
		await seedActor(author, 'hider.test');
		await seedActor(featured, 'featured.test');
		const clip = await seedClip(author, { caption: 'should not show', cameos: [featured] });
		const { status, html, meta } = await page(pathOf(clip.uri));
		expect(status).toBe(404);
		expect(meta('og:title')).toBeUndefined();
		expect(html).not.toContain('should not show');
		// Once consent covers the author, the page previews.
		await seedConsent(featured, 'everyone');
		expect((await page(pathOf(clip.uri))).status).toBe(200);
	});

	it('a deleted clip or a malformed path gets the page without tags, and 404', async () => {
		const did = newDid();
		await seedActor(did, 'deleter.test');
		const clip = await seedClip(did, { caption: 'gone soon' });
		await env.DB.prepare(`UPDATE clip_index SET deleted = 1, record = '{}' WHERE uri = ?1`).bind(clip.uri).run();
		for (const path of [pathOf(clip.uri), '/c/not-a-did/abc', `/c/${did}/a/b`, '/r/', `/c/${did}/%E0%A4%A`]) {
			const { status, meta } = await page(path);
			expect(status, path).toBe(404);
			expect(meta('og:title'), path).toBeUndefined();
		}
	});
});

describe('profile pages', () => {
	it('name the person, by handle or DID, with their avatar', async () => {
		const did = newDid();
		await seedActor(did, 'face.test');
		await env.DB.prepare(`UPDATE actors SET display_name = 'Face Person', avatar_cid = ?2 WHERE did = ?1`).bind(did, POSTER_CID).run();
		for (const path of ['/@face.test', `/@${did}`]) {
			const { status, meta } = await page(path);
			expect(status, path).toBe(200);
			expect(meta('og:title')).toBe('Face Person (@face.test)');
			expect(meta('og:url')).toBe(`${APP}/@face.test`);
			expect(meta('og:image')).toContain(`cid=${POSTER_CID}`);
		}
	});

	it('an inactive or unknown account gets no preview', async () => {
		const did = newDid();
		await seedActor(did, 'gone.test', { active: false });
		expect((await page('/@gone.test')).status).toBe(404);
		expect((await page('/@nobody.test')).status).toBe(404);
	});
});

describe('tag pages', () => {
	it('/tag/<tag> is a page of its own that names the tag; a path that is no tag is not', async () => {
		const { status, meta } = await page('/tag/cats');
		expect(status).toBe(200);
		expect(meta('og:title')).toBe('#cats');
		expect(meta('og:url')).toBe(`${APP}/tag/cats`);
		expect((await page('/tag/two%20words')).status).toBe(404);
	});
});

describe('posters in views', () => {
	it('a clip whose record has a thumbnail shows it as the playback poster', async () => {
		const did = newDid();
		await seedActor(did, 'poster.test');
		const clip = await seedClip(did);
		await withPoster(clip.uri);
		const response = await exports.default.fetch(`${APP}/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clip.uri)}`);
		const { clip: view } = await response.json<{ clip: { playback: { thumbnail?: string } } }>();
		expect(view.playback.thumbnail).toBe(`https://pds.example/xrpc/com.atproto.sync.getBlob?did=${encodeURIComponent(did)}&cid=${POSTER_CID}`);
	});
});
