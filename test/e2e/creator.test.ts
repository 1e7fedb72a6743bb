// A creator's loop in a real Chromium against the whole local network: bob generates and publishes
// with a poster and "Also post to Bluesky", the post plays his video on the PDS and is served by the
// feed generator, his clip's link previews for a crawler that runs no script, he edits his profile
// and sees his avatar, and deletes the clip. A second generation waits as a draft, kept by the
// server, and is published later from another browser. A recorded video is uploaded with progress.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../scripts/seed.ts';
import { eventuallyAfterReload, listRecords, signIn, tileUri, watchProgress } from './app.ts';
import { launchPersona, screenshots, type Persona } from './browser.ts';
import { startE2eStack, type E2eStack } from './stack.ts';

let stack: E2eStack;
let bob: Persona;
const caption = `Tide pools at dawn ${Date.now().toString(36)}`;
let clipUri = '';

beforeAll(async () => {
	await access(join(import.meta.dirname, '../../web/build/main.js'));
	stack = await startE2eStack({ pds: 4083, plc: 4084, worker: 8803 });
	bob = await launchPersona('bob-creator');
});

afterAll(async () => {
	await bob?.close();
	await stack?.close();
});

const url = (hash: string) => `${stack.appUrl}/${hash}`;
const did = () => stack.demo.accounts.bob.did;
/** The clip's shareable page, as the client links it. */
const pagePath = (uri: string) => `/c/${uri.split('/')[2]}/${uri.split('/').pop()}`;


describe('the creator’s loop', () => {
	it('publishes with a poster frame and “Also post to Bluesky” (ticked for a new user); the profile grid shows the poster', async () => {
		const { page } = bob;
		await signIn(page, stack.appUrl, 'bob.test', { hostingProvider: stack.network.pdsUrl });
		await page.goto(url('#/generate'));
		await page.getByLabel('Prompt').fill('Tide pools at dawn, crabs scuttling between the rocks');
		await page.getByRole('button', { name: 'Generate', exact: true }).click();
		await watchProgress(page);
		await page.getByRole('button', { name: 'Publish' }).waitFor();
		await expect.poll(() => page.locator('video.preview').evaluate((video: HTMLVideoElement) => video.readyState), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
		expect(await page.getByLabel('Also post to Bluesky').isChecked()).toBe(true);
		await page.getByLabel('Poster frame').fill('0.5');
		await page.getByLabel('Caption').fill(caption);
		await screenshots(page, 'publish-share', { fullPage: true });
		await page.getByRole('button', { name: 'Publish' }).click();
		await page.waitForURL(/#\/profile\//);

		await eventuallyAfterReload(page, url('#/profile/bob.test'), async () => (await page.locator('a.tile', { hasText: caption }).count()) > 0);
		clipUri = await tileUri(page, caption);
		const [record] = (await listRecords(stack.network.pdsUrl, did(), 'video.dreamreel.clip')).filter((r) => r.uri === clipUri);
		const thumbnail = record?.value.thumbnail as { ref: { $link: string }; mimeType: string; size: number };
		expect(thumbnail).toMatchObject({ mimeType: 'image/jpeg' });
		expect(thumbnail.size).toBeGreaterThan(500);
		// The grid shows the poster, an image, before any video plays.
		const still = page.locator('a.tile', { hasText: caption }).locator('img');
		const video = (record!.value.video as { ref: { $link: string } }).ref.$link;
		// From the author's PDS until the mirror hosts it beside the video.
		expect(await still.getAttribute('src')).toMatch(new RegExp(`cid=${thumbnail.ref.$link}$|^${stack.appUrl}/video/${video}/poster$`));
		await expect.poll(() => still.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
		// The choice is remembered.
		expect(await page.evaluate(() => localStorage.getItem('dreamreel:share-to-bluesky'))).not.toBe('false');
	});

	it('the Bluesky post plays the clip’s video (read with @atproto/api) and the feed generator serves it', async () => {
		const agent = new AtpAgent({ service: stack.network.pdsUrl });
		await agent.login({ identifier: 'bob.test', password: DEMO_PASSWORD });
		const [record] = (await listRecords(stack.network.pdsUrl, did(), 'video.dreamreel.clip')).filter((r) => r.uri === clipUri);
		const video = (record!.value.video as { ref: { $link: string } }).ref.$link;
		const data = await agent.app.bsky.feed.post.list({ repo: did() });
		const post = data.records.find((item) => {
			const embed = item.value.embed as { $type?: string; video?: { ref: { toString(): string } } } | undefined;
			return embed?.$type === 'app.bsky.embed.video' && embed.video?.ref.toString() === video;
		});
		expect(post).toBeDefined();
		expect(post!.value.text).toBe(`${caption}\n\n${stack.appUrl}${pagePath(clipUri)}`);
		expect(post!.value.embed).toMatchObject({ alt: caption, aspectRatio: { width: 9, height: 16 } });

		const serviceDid = `did:web:${encodeURIComponent(new URL(stack.appUrl).host)}`;
		await expect
			.poll(
				async () => {
					const feed = `at://${serviceDid}/app.bsky.feed.generator/trending`;
					const response = await fetch(`${stack.appUrl}/xrpc/app.bsky.feed.getFeedSkeleton?feed=${encodeURIComponent(feed)}`);
					return ((await response.json()) as { feed: { post: string }[] }).feed.map((item) => item.post);
				},
				{ timeout: 20_000, interval: 500 },
			)
			.toContain(post!.uri);
	});

	it('a clip link previews for a crawler with no JavaScript, and opens the clip in the browser', async () => {
		const response = await fetch(`${stack.appUrl}${pagePath(clipUri)}`, { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Bluesky Cardyb/1.1)' } });
		expect(response.status).toBe(200);
		const html = await response.text();
		const meta = (key: string) => html.match(new RegExp(`<meta (?:property|name)="${key}" content="([^"]*)">`))?.[1]?.replaceAll('&#38;', '&');
		expect(meta('og:title')).toBe(`${caption} by @bob.test`);
		expect(meta('og:url')).toBe(`${stack.appUrl}${pagePath(clipUri)}`);
		expect(meta('og:video:type')).toBe('video/mp4');
		expect(meta('twitter:card')).toBe('summary_large_image');
		const image = await fetch(meta('og:image')!);
		expect([image.status, image.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
		expect((await fetch(meta('og:video')!, { method: 'HEAD' })).status).toBe(200);

		await bob.page.goto(`${stack.appUrl}${pagePath(clipUri)}`);
		await bob.page.locator(`.slide[data-uri="${clipUri}"]`).waitFor({ timeout: 15_000 });
		expect(new URL(bob.page.url()).hash).toBe(`#/clip/${encodeURIComponent(clipUri)}`);
		// Share copies that same real URL, not the page's #/ address.
		await bob.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.appUrl });
		await bob.page.locator(`.slide[data-uri="${clipUri}"]`).getByRole('button', { name: 'Copy link to this clip' }).click();
		await expect.poll(() => bob.page.evaluate(() => navigator.clipboard.readText())).toBe(`${stack.appUrl}${pagePath(clipUri)}`);
	});

	it('keeps a generation as a draft on the server: published later from another device, without the Bluesky post', async () => {
		const { page } = bob;
		const later = `Published later ${Date.now().toString(36)}`;
		await page.goto(url('#/generate'));
		await page.getByLabel('Prompt').fill('A heron waits in the shallows');
		await page.getByRole('button', { name: 'Generate', exact: true }).click();
		await watchProgress(page);
		await page.getByRole('button', { name: 'Publish' }).waitFor();
		expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('dreamreel:job')))).toEqual([]);

		const phone = await launchPersona('bob-phone');
		try {
			await signIn(phone.page, stack.appUrl, 'bob.test', { hostingProvider: stack.network.pdsUrl });
			await phone.page.goto(url('#/drafts'));
			const draft = phone.page.locator('li.draft', { hasText: 'A heron waits in the shallows' });
			await draft.getByText('Ready to publish').waitFor();
			await draft.getByRole('button', { name: 'Publish…' }).click();
			await draft.getByLabel('Caption').fill(later);
			await draft.getByLabel('Also post to Bluesky').uncheck();
			await draft.getByRole('button', { name: 'Publish' }).click();
			await phone.page.waitForURL(/#\/profile\//);
			expect(await phone.page.evaluate(() => localStorage.getItem('dreamreel:share-to-bluesky'))).toBe('false');
			await eventuallyAfterReload(phone.page, url('#/profile/bob.test'), async () => (await phone.page.locator('a.tile', { hasText: later }).count()) > 0);
			const uri = await tileUri(phone.page, later);
			// No longer a draft anywhere; no post shared this time.
			await phone.page.goto(url('#/drafts'));
			await phone.page.getByText('No drafts.').waitFor();
			const posts = await listRecords(stack.network.pdsUrl, did(), 'app.bsky.feed.post');
			expect(posts.filter((post) => String(post.value.text).includes(pagePath(uri)))).toEqual([]);
			expect(phone.errors).toEqual([]);
		} finally {
			await phone.close();
		}
	});

	it('uploads a recorded video: checked first, sent with a progress bar, published unlabelled with its poster', async () => {
		const { page } = bob;
		const recorded = `Recorded at the pier ${Date.now().toString(36)}`;
		await page.goto(url('#/upload'));
		await page.getByLabel(/Video file/).setInputFiles(join(import.meta.dirname, '../fixtures/poster.jpg'));
		await page.getByRole('alert').getByText('poster.jpg is not an MP4 video (image/jpeg).').waitFor();
		expect(await page.getByRole('button', { name: 'Upload and publish' }).isVisible()).toBe(false);

		await page.getByLabel(/Video file/).setInputFiles(join(import.meta.dirname, '../../worker/providers/demo-clips/mandelbrot.mp4'));
		await page.getByLabel('Caption').fill(recorded);
		await page.getByLabel('Tags, separated by commas').fill('pier, evening');
		await page.getByLabel('Language').fill('en');
		// A slow uplink (about 40 KB/s), so the 125 KB upload shows its progress on the way.
		const cdp = await page.context().newCDPSession(page);
		await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 40_000 });
		await page.evaluate(() => {
			const bar = document.querySelector('[role="progressbar"]')!;
			const seen: number[] = ((window as unknown as { seen: number[] }).seen = []);
			new MutationObserver(() => seen.push(Number(bar.getAttribute('aria-valuenow')))).observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
		});
		await page.getByRole('button', { name: 'Upload and publish' }).click();
		await page.waitForURL(/#\/profile\//, { timeout: 30_000 });
		await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
		const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
		expect(seen.at(-1)).toBe(100);
		expect(seen.some((value) => value > 0 && value < 100)).toBe(true);
		expect([...seen].sort((a, b) => a - b)).toEqual(seen);

		await eventuallyAfterReload(page, url('#/profile/bob.test'), async () => (await page.locator('a.tile', { hasText: recorded }).locator('img').count()) > 0);
		const uri = await tileUri(page, recorded);
		const [record] = (await listRecords(stack.network.pdsUrl, did(), 'video.dreamreel.clip')).filter((r) => r.uri === uri);
		expect(record?.value).toMatchObject({ caption: recorded, tags: ['pier', 'evening'], langs: ['en'], video: { mimeType: 'video/mp4', size: 124976 }, thumbnail: { mimeType: 'image/jpeg' } });
		expect(record?.value.durationMs).toBeGreaterThan(1000);
		expect(record?.value).not.toHaveProperty('labels');
		expect(record?.value).not.toHaveProperty('prompt');
	});

	it('edits the profile (app.bsky.actor.profile) and shows the avatar', async () => {
		const { page } = bob;
		await page.goto(url('#/profile/bob.test'));
		await page.getByRole('button', { name: 'Edit profile' }).click();
		await expect.poll(() => page.getByRole('button', { name: 'Save profile' }).isEnabled()).toBe(true);
		await page.getByLabel('Display name').fill('Bob the Tidewatcher');
		await page.getByLabel('Description').fill('Rock pools, mostly.');
		await page.getByLabel('Avatar').setInputFiles(join(import.meta.dirname, '../fixtures/poster.jpg'));
		await page.getByRole('button', { name: 'Save profile' }).click();
		await page.getByText('Saved.').waitFor();

		const [profile] = await listRecords(stack.network.pdsUrl, did(), 'app.bsky.actor.profile');
		expect(profile?.value).toMatchObject({ displayName: 'Bob the Tidewatcher', description: 'Rock pools, mostly.', avatar: { mimeType: 'image/jpeg' } });
		const avatarCid = (profile!.value.avatar as { ref: { $link: string } }).ref.$link;
		const avatarSrc = () => page.evaluate(() => document.querySelector<HTMLImageElement>('.profile-head img.avatar')?.src ?? '');
		await eventuallyAfterReload(page, url('#/profile/bob.test'), async () => (await avatarSrc()).includes(avatarCid));
		await page.getByText('Bob the Tidewatcher').waitFor();
		await expect.poll(() => page.locator('.profile-head img.avatar').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(400);
		// In the player too, beside his name.
		await page.goto(url(`#/clip/${encodeURIComponent(clipUri)}`));
		expect(await page.locator(`.slide[data-uri="${clipUri}"] .author img.avatar`).getAttribute('src')).toContain(avatarCid);
		await screenshots(page, 'profile-edited', { fullPage: true });
	});

	it('deletes the clip from the player: gone from the repo and, soon after, from the profile', async () => {
		const { page } = bob;
		await page.goto(url(`#/clip/${encodeURIComponent(clipUri)}`));
		page.once('dialog', (dialog) => void dialog.accept());
		await page.locator(`.slide[data-uri="${clipUri}"]`).getByRole('button', { name: 'Delete this clip' }).click();
		await page.waitForURL(/#\/profile\//);
		expect((await listRecords(stack.network.pdsUrl, did(), 'video.dreamreel.clip')).map((r) => r.uri)).not.toContain(clipUri);
		await eventuallyAfterReload(page, url('#/profile/bob.test'), async () => (await page.locator('a.tile', { hasText: caption }).count()) === 0);
		// Its page no longer previews.
		expect((await fetch(`${stack.appUrl}${pagePath(clipUri)}`)).status).toBe(404);
	});

	it('offers no delete on someone else’s clip; deletes and undoes his own comment and like on it', async () => {
		const { page } = bob;
		const alices = (await listRecords(stack.network.pdsUrl, stack.demo.accounts.alice.did, 'video.dreamreel.clip'))[0]!.uri;
		await page.goto(url(`#/clip/${encodeURIComponent(alices)}`));
		const slide = page.locator(`.slide[data-uri="${alices}"]`);
		await slide.waitFor();
		expect(await page.getByRole('button', { name: 'Delete this clip' }).count()).toBe(0);

		const mine = async (collection: string) => (await listRecords(stack.network.pdsUrl, did(), collection)).filter((r) => (r.value.subject as { uri: string }).uri === alices);
		const like = slide.getByRole('button', { name: 'Like' });
		await like.click();
		await expect.poll(async () => (await mine('video.dreamreel.like')).length).toBe(1);
		await like.click();
		await expect.poll(async () => (await mine('video.dreamreel.like')).length).toBe(0);

		await slide.getByRole('button', { name: /^Comments/ }).click();
		const sheet = page.getByRole('dialog', { name: 'Comments' });
		await sheet.getByLabel('Your comment').fill('Lovely light.');
		await sheet.getByRole('button', { name: 'Post' }).click();
		await sheet.getByText('Lovely light.').waitFor();
		expect(await mine('video.dreamreel.comment')).toHaveLength(1);
		// Others' comments have no delete button; his own has.
		expect(await sheet.getByRole('button', { name: 'Delete my comment' }).count()).toBe(1);
		await sheet.getByRole('button', { name: 'Delete my comment' }).click();
		await expect.poll(() => sheet.getByText('Lovely light.').count()).toBe(0);
		expect(await mine('video.dreamreel.comment')).toEqual([]);
		await sheet.getByRole('button', { name: 'Close comments' }).click();
	});

	it('raised no errors in the page', () => {
		expect(bob.errors).toEqual([]);
	});
});
