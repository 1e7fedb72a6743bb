// Notifications and search in a real Chromium against the whole local network: alice's bell counts
// up as bob likes her clip, bob's "featured" notification leads to his consent page, and search
// suggests people as one types, finds clips, and opens tag pages from a caption's #hashtag.
import { AtpAgent } from '@atproto/api';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../scripts/seed.ts';
import { readSampleVideo } from '../../scripts/sample-video.ts';
import { signIn } from './app.ts';
import { launchPersona, screenshots, type Persona } from './browser.ts';
import { startE2eStack, type E2eStack } from './stack.ts';

let stack: E2eStack;
let alice: Persona;
let bob: Persona;
let bobAgent: AtpAgent;

const url = (hash: string) => `${stack.appUrl}/${hash}`;

/** The bell's unread count as the page shows it (0 while the badge is hidden). */
const bellCount = (page: Page) =>
	page.locator('.nav .badge-count').evaluate((badge: HTMLElement) => (badge.hidden ? 0 : Number(badge.textContent)));

beforeAll(async () => {
	stack = await startE2eStack({ pds: 4387, plc: 4388, worker: 8820 });
	bobAgent = new AtpAgent({ service: stack.network.pdsUrl });
	await bobAgent.login({ identifier: 'bob.test', password: DEMO_PASSWORD });
	[alice, bob] = [await launchPersona('alice'), await launchPersona('bob')];
	await signIn(alice.page, stack.appUrl, 'alice.test', { hostingProvider: stack.network.pdsUrl });
	await signIn(bob.page, stack.appUrl, 'bob.test', { hostingProvider: stack.network.pdsUrl });
});

afterAll(async () => {
	for (const persona of [alice, bob]) await persona?.close();
	await stack?.close();
});

describe('notifications and search in the web client', () => {
	it('the bell counts up, while the page stays open, when someone likes my clip', async () => {
		const page = alice.page;
		await page.goto(url('#/consent'));
		await page.locator('.nav .badge-count').waitFor({ state: 'attached' });
		await expect.poll(() => bellCount(page), { timeout: 15_000 }).toBeGreaterThan(0);
		const before = await bellCount(page);
		await bobAgent.com.atproto.repo.createRecord({
			repo: bobAgent.assertDid,
			collection: 'video.dreamreel.like',
			record: { $type: 'video.dreamreel.like', subject: stack.demo.clips.aliceTestcard, createdAt: new Date().toISOString() },
		});
		await expect.poll(() => bellCount(page), { timeout: 20_000 }).toBe(before + 1);
		await page.getByRole('link', { name: /^Notifications/ }).click();
		await expect.poll(() => page.locator('.notification[data-reason="like"]').first().textContent()).toMatch(/bob\.test.* liked your clip/);
		await screenshots(page, 'notifications');
		// Opening the list marks it seen.
		await expect.poll(() => bellCount(page), { timeout: 15_000 }).toBe(0);
	});

	it('a featured notification opens the consent page', async () => {
		const page = bob.page;
		await page.goto(url('#/notifications'));
		const featured = page.locator('.notification[data-reason="featured"]').first();
		await featured.waitFor({ timeout: 15_000 });
		await featured.getByRole('link', { name: 'Review your consent' }).click();
		await page.getByRole('heading', { name: 'Your likeness' }).waitFor();
		expect(new URL(page.url()).hash).toBe('#/consent');
	});

	it('suggests people while typing, and finds clips by their words', async () => {
		const page = alice.page;
		await page.goto(url('#/search'));
		await page.getByLabel('Search', { exact: true }).pressSequentially('car', { delay: 50 });
		const suggestion = page.getByRole('list', { name: 'People' }).getByRole('link', { name: /@carol\.test/ });
		await suggestion.waitFor({ timeout: 10_000 });
		await screenshots(page, 'search-typeahead');
		await suggestion.click();
		await page.getByRole('heading', { name: '@carol.test' }).waitFor();

		await page.goto(url('#/search'));
		await page.getByLabel('Search', { exact: true }).fill('slow gradients');
		await page.getByRole('button', { name: 'Search', exact: true }).click();
		await page.locator('.tile[aria-label^="Slow gradients for a slow morning"]').waitFor({ timeout: 10_000 });
		expect(await page.locator('.tile').count()).toBe(1);
	});

	it('a caption’s #hashtag links to its tag page, which lists the clips with that tag', async () => {
		const { data: blob } = await bobAgent.uploadBlob(await readSampleVideo('life'), { encoding: 'video/mp4' });
		const { data: clip } = await bobAgent.com.atproto.repo.createRecord({
			repo: bobAgent.assertDid,
			collection: 'video.dreamreel.clip',
			record: { $type: 'video.dreamreel.clip', video: blob.blob, caption: 'Cells at night #NightLife', createdAt: new Date().toISOString() },
		});
		const page = alice.page;
		const indexed = async () => (await fetch(`${stack.appUrl}/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(clip.uri)}`)).status;
		await expect.poll(indexed, { timeout: 20_000 }).toBe(200);
		await page.goto(url(`#/clip/${encodeURIComponent(clip.uri)}`));
		await page.getByRole('link', { name: '#NightLife' }).first().click();
		await page.getByRole('heading', { name: '#NightLife' }).waitFor();
		await page.locator(`.tile[href="#/clip/${encodeURIComponent(clip.uri)}"]`).waitFor({ timeout: 10_000 });
		expect(await page.locator('.tile').count()).toBe(1);
		await screenshots(page, 'tag-page');
	});

	it('raised no errors in any page', () => {
		expect([...alice.errors, ...bob.errors]).toEqual([]);
	});
});
