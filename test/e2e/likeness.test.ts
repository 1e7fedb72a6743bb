// A likeness in a real Chromium with its fake camera (a moving test pattern): bob records three
// frames, each after the movement the page asks for, his consent names the set by its CID, and the
// demo clip he generates featuring himself carries the CID of every frame — they went into it. Then he
// exports and deletes them.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Download } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCid, setCid } from '../../worker/likeness/cid.ts';
import { likenessMarkOf } from '../../worker/providers/likeness-mark.ts';
import { signIn, watchProgress } from './app.ts';
import { launchPersona, screenshots, type Persona } from './browser.ts';
import { startE2eStack, type E2eStack } from './stack.ts';

let stack: E2eStack;
let bob: Persona;

beforeAll(async () => {
	await access(join(import.meta.dirname, '../../web/build/main.js'));
	stack = await startE2eStack({ pds: 4473, plc: 4474, worker: 8832 });
	bob = await launchPersona('bob-likeness', { camera: true });
});

afterAll(async () => {
	await bob?.close();
	await stack?.close();
});

const url = (hash: string) => `${stack.appUrl}/${hash}`;

async function committedCid(): Promise<string | undefined> {
	const params = new URLSearchParams({ repo: stack.demo.accounts.bob.did, collection: 'video.dreamreel.consent', rkey: 'self' });
	const response = await fetch(`${stack.network.pdsUrl}/xrpc/com.atproto.repo.getRecord?${params}`);
	if (!response.ok) return undefined;
	return ((await response.json()) as { value: { likeness?: { cid: string } } }).value.likeness?.cid;
}

describe('a likeness recorded with the camera', () => {
	it('is stored after the asked-for movements, three frames, and the consent in his repo names the set', async () => {
		const { page } = bob;
		await signIn(page, stack.appUrl, 'bob.test', { hostingProvider: stack.network.pdsUrl });
		await page.goto(url('#/consent'));
		await page.getByText('No likeness stored').waitFor();
		await page.getByRole('button', { name: 'Record with camera' }).click();
		for (const [n, pose] of ['Look straight at the camera', 'Turn your head slowly to the left', 'Turn your head slowly to the right'].entries()) {
			await page.getByText(`${pose}, then take the picture (${n + 1} of 3)`).waitFor();
			if (n === 1) await screenshots(page, 'likeness-camera');
			// The fake camera's pattern moves on its own, but not always enough between two clicks: like a
			// person told "Nothing moved", try again until the frame is taken.
			await expect
				.poll(
					async () => {
						await page.waitForTimeout(700);
						await page.getByRole('button', { name: 'Take the picture' }).click();
						return page.getByText('Nothing moved').isVisible();
					},
					{ timeout: 15_000, interval: 0 },
				)
				.toBe(false);
		}
		await page.getByText('Stored with Dreamreel, encrypted').waitFor({ timeout: 15_000 });
		// A set's CID: DAG-CBOR, not the raw CID of one image.
		await expect.poll(committedCid, { timeout: 10_000 }).toMatch(/^bafyrei/);
		await page.getByText(/named by your consent/).waitFor({ timeout: 15_000 });
		expect(bob.errors).toEqual([]);
	});

	it('the demo clip he generates featuring himself carries the CID of every frame: exactly the set his consent names', async () => {
		const { page } = bob;
		const cid = await committedCid();
		await page.goto(url('#/generate'));
		await page.getByLabel('Prompt').fill('Juggling oranges on a rooftop');
		await page.getByLabel('@bob.test').check();
		await page.getByRole('button', { name: 'Generate', exact: true }).click();
		await watchProgress(page);
		const src = await page.locator('video.preview').getAttribute('src');
		const video = new Uint8Array(await (await fetch(new URL(src!, stack.appUrl))).arrayBuffer());
		const frames = likenessMarkOf(video);
		expect(frames).toHaveLength(3);
		expect(await setCid(frames)).toBe(cid);
	});

	it('exports every photo and deletes them; the consent stops naming them', async () => {
		const { page } = bob;
		const cid = await committedCid();
		await page.goto(url('#/consent'));
		await page.getByText(/Stored: 3 photos/).waitFor();
		const downloads: Download[] = [];
		page.on('download', (download) => downloads.push(download));
		await page.getByRole('button', { name: 'Export' }).click();
		await expect.poll(() => downloads.length).toBe(3);
		expect(downloads.map((download) => download.suggestedFilename())).toEqual(['likeness-1.jpeg', 'likeness-2.jpeg', 'likeness-3.jpeg']);
		const exported = await Promise.all(downloads.map(async (download) => rawCid(new Uint8Array(await readFile((await download.path())!)))));
		expect(await setCid(exported)).toBe(cid);
		await page.getByRole('button', { name: 'Delete likeness' }).click();
		await page.getByText(/^Deleted/).waitFor();
		await expect.poll(committedCid, { timeout: 10_000 }).toBeUndefined();
		expect(bob.errors).toEqual([]);
	});
});
