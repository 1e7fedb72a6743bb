// What a person does in the web client, in the words of its screens: labels, roles and names, the
// way someone using a screen reader would find them.
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEMO_PASSWORD } from '../../scripts/seed.ts';

/** Signs in with an app password, the fallback to OAuth (see oauth.test.ts for OAuth itself). */
export async function signIn(page: Page, appUrl: string, handle: string, options: { hostingProvider?: string } = {}): Promise<void> {
	await page.goto(`${appUrl}/#/signin`);
	await page.getByLabel('Handle or DID').fill(handle);
	await page.getByRole('button', { name: 'Use an app password instead' }).click();
	await page.getByLabel('App password').fill(DEMO_PASSWORD);
	if (options.hostingProvider) {
		await page.getByText('Hosting provider').click();
		await page.getByLabel(/PDS URL/).fill(options.hostingProvider);
	}
	await page.getByRole('button', { name: 'Sign in', exact: true }).click();
	await page.getByRole('link', { name: 'Me', exact: true }).waitFor();
}

/** The stored session, as the client keeps it across reloads. */
export async function storedSession(page: Page): Promise<{ did: string; handle: string; accessJwt: string; refreshJwt: string } | null> {
	return page.evaluate(() => JSON.parse(localStorage.getItem('dreamreel:session') ?? 'null'));
}

/** Waits until the feed has shown its first clips; the URIs of the clips loaded. */
export async function feedClips(page: Page, atLeast = 1): Promise<string[]> {
	await expect.poll(() => page.locator('.slide[data-uri]').count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(atLeast);
	return page.locator('.slide[data-uri]').evaluateAll((slides) => slides.map((slide) => (slide as HTMLElement).dataset.uri!));
}

export interface Playing {
	uri: string;
	time: number;
	paused: boolean;
	muted: boolean;
}

/** The clip in view and its video's clock. */
export async function activeClip(page: Page): Promise<Playing | null> {
	return page.evaluate(() => {
		const slide = document.querySelector<HTMLElement>('.slide.active');
		const video = slide?.querySelector('video');
		return slide && video ? { uri: slide.dataset.uri!, time: video.currentTime, paused: video.paused, muted: video.muted } : null;
	});
}

/** The clip in view really plays: its currentTime moves on. */
export async function expectPlaying(page: Page): Promise<Playing> {
	await expect.poll(async () => (await activeClip(page))?.time ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
	const first = (await activeClip(page))!;
	await expect.poll(async () => (await activeClip(page))?.time, { timeout: 10_000 }).not.toBe(first.time);
	const later = (await activeClip(page))!;
	expect(later.uri).toBe(first.uri);
	expect(later.paused).toBe(false);
	return later;
}

/**
 * Follows the job's progress bar until it reaches 100 %, returning every value it showed.
 * `onProgress` runs once, at the first value strictly between 0 and 100.
 */
export async function watchProgress(page: Page, onProgress?: () => Promise<void>): Promise<number[]> {
	const bar = page.getByRole('progressbar');
	await bar.waitFor({ timeout: 15_000 });
	const seen: number[] = [];
	let called = false;
	await expect
		.poll(
			async () => {
				const value = Number(await bar.getAttribute('aria-valuenow'));
				if (seen.at(-1) !== value) seen.push(value);
				if (!called && value > 0 && value < 100 && onProgress) {
					called = true;
					await onProgress();
				}
				return value;
			},
			{ timeout: 60_000, interval: 100 },
		)
		.toBe(100);
	return seen;
}

/** Reloads `hash` until `check` holds: the index follows the PDS within a second or two. */
export async function eventuallyAfterReload(page: Page, url: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
	await expect
		.poll(
			async () => {
				await page.goto('about:blank');
				await page.goto(url);
				await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
				return check();
			},
			{ timeout: timeoutMs, interval: 500 },
		)
		.toBe(true);
}

/** The AT-URI a clip tile links to. */
export async function tileUri(page: Page, text: string): Promise<string> {
	const link = await page.locator('a.tile', { hasText: text }).first().getAttribute('href');
	return decodeURIComponent(link!.replace('#/clip/', ''));
}

/** Records in a repo, read from the PDS directly: what the client wrote, not what the index shows. */
export async function listRecords(pdsUrl: string, repo: string, collection: string): Promise<{ uri: string; value: Record<string, unknown> }[]> {
	const url = new URL('/xrpc/com.atproto.repo.listRecords', pdsUrl);
	url.searchParams.set('repo', repo);
	url.searchParams.set('collection', collection);
	const response = await fetch(url);
	return ((await response.json()) as { records: { uri: string; value: Record<string, unknown> }[] }).records;
}
