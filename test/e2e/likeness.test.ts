// A likeness in a real Chromium with its fake camera (a moving test pattern): bob records himself
// after the movement the page asks for, his consent names the photo by its CID, and the demo clip he
// generates featuring himself carries that CID — the photo went into it. Then he deletes it.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
	it('is stored after the asked-for movement, and the consent in his repo names it', async () => {
		const { page } = bob;
		await signIn(page, stack.appUrl, 'bob.test', { hostingProvider: stack.network.pdsUrl });
		await page.goto(url('#/consent'));
		await page.getByText('No likeness stored').waitFor();
		await page.getByRole('button', { name: 'Record with camera' }).click();
		await page.getByText(/then take the picture/).waitFor();
		// The fake camera's pattern moves on its own; a person would turn their head.
		await page.waitForTimeout(1000);
		await screenshots(page, 'likeness-camera');
		await page.getByRole('button', { name: 'Take the picture' }).click();
		await page.getByText('Stored with Dreamreel, encrypted').waitFor({ timeout: 15_000 });
		await expect.poll(committedCid, { timeout: 10_000 }).toMatch(/^bafkrei/);
		await page.getByText(/named by your consent/).waitFor({ timeout: 15_000 });
		expect(bob.errors).toEqual([]);
	});

	it('the demo clip he generates featuring himself carries the CID of the photo', async () => {
		const { page } = bob;
		const cid = await committedCid();
		await page.goto(url('#/generate'));
		await page.getByLabel('Prompt').fill('Juggling oranges on a rooftop');
		await page.getByLabel('@bob.test').check();
		await page.getByRole('button', { name: 'Generate', exact: true }).click();
		await watchProgress(page);
		const src = await page.locator('video.preview').getAttribute('src');
		const video = new Uint8Array(await (await fetch(new URL(src!, stack.appUrl))).arrayBuffer());
		expect(likenessMarkOf(video)).toEqual([cid]);
	});

	it('exports the photo and deletes it; the consent stops naming it', async () => {
		const { page } = bob;
		await page.goto(url('#/consent'));
		await page.getByText(/Stored: a photo/).waitFor();
		const download = page.waitForEvent('download');
		await page.getByRole('button', { name: 'Export' }).click();
		expect((await download).suggestedFilename()).toBe('likeness.jpeg');
		await page.getByRole('button', { name: 'Delete likeness' }).click();
		await page.getByText(/^Deleted/).waitFor();
		await expect.poll(committedCid, { timeout: 10_000 }).toBeUndefined();
		expect(bob.errors).toEqual([]);
	});
});
