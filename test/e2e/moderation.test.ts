// Moderation in the web client, in a real Chromium against the local network: a clip its author
// labelled as graphic sits behind a blurred cover until the viewer chooses to see it, and clips,
// comments and accounts can be reported (com.atproto.moderation.createReport through the viewer's PDS).
import { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../scripts/seed.ts';
import { eventually, postClip, type Posted } from '../network/harness.ts';
import { signIn } from './app.ts';
import { launchPersona, screenshots, type Persona } from './browser.ts';
import { startE2eStack, type E2eStack } from './stack.ts';

let stack: E2eStack;
let bob: Persona;
let labelled: Posted;

beforeAll(async () => {
	stack = await startE2eStack();
	const carol = new AtpAgent({ service: stack.network.pdsUrl });
	await carol.login({ identifier: 'carol.test', password: DEMO_PASSWORD });
	labelled = await postClip(carol, {
		caption: `A storm at sea, intense ${Date.now().toString(36)}`,
		labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'ai-generated' }, { val: 'graphic-media' }] },
	});
	await carol.com.atproto.repo.createRecord({
		repo: carol.assertDid,
		collection: 'video.dreamreel.comment',
		record: { $type: 'video.dreamreel.comment', subject: labelled, text: 'my own comment', createdAt: new Date().toISOString() },
	});
	await eventually(async () => expect((await fetch(`${stack.appUrl}/xrpc/video.dreamreel.getClip?uri=${encodeURIComponent(labelled.uri)}`)).status).toBe(200), 20_000);
	bob = await launchPersona('bob-moderation');
	await signIn(bob.page, stack.appUrl, 'bob.test', { hostingProvider: stack.network.pdsUrl });
});

afterAll(async () => {
	await bob?.close();
	await stack?.close();
});

const slide = () => bob.page.locator(`.slide[data-uri="${labelled.uri}"]`);

describe('moderation in the web client', () => {
	it('puts a labelled clip behind a blurred cover, lifted by “Show anyway”', async () => {
		await bob.page.goto(`${stack.appUrl}/#/clip/${encodeURIComponent(labelled.uri)}`);
		const cover = slide().getByRole('group', { name: 'Graphic media' });
		await cover.waitFor();
		expect(await slide().locator('.stage').evaluate((stage) => getComputedStyle(stage.querySelector('video')!).filter)).toContain('blur');
		await screenshots(bob.page, 'label-cover');
		await cover.getByRole('button', { name: 'Show anyway' }).click();
		await expect.poll(() => cover.count()).toBe(0);
		expect(await slide().locator('.stage').evaluate((stage) => getComputedStyle(stage.querySelector('video')!).filter)).toBe('none');
	});

	it('reports the clip and a comment under it', async () => {
		await slide().getByRole('button', { name: 'Report this clip' }).click();
		const dialog = bob.page.getByRole('dialog', { name: 'Report this clip' });
		await dialog.getByLabel('Why').selectOption({ label: 'Impersonation or a deepfake of someone' });
		await dialog.getByLabel('Details').fill('this is me, and I never agreed');
		await screenshots(bob.page, 'report');
		await dialog.getByRole('button', { name: 'Send report' }).click();
		await bob.page.getByText('Thanks: the report was sent to the moderators.').waitFor();

		await slide().getByRole('button', { name: /^Comments/ }).click();
		const sheet = bob.page.getByRole('dialog', { name: 'Comments' });
		await sheet.getByRole('button', { name: "Report @carol.test's comment" }).click();
		const report = bob.page.getByRole('dialog', { name: 'Report this comment' });
		await report.getByLabel('Why').selectOption({ label: 'Harassment or hate' });
		await report.getByRole('button', { name: 'Send report' }).click();
		await bob.page.getByText('Thanks: the report was sent to the moderators.').waitFor();
		await sheet.getByRole('button', { name: 'Close comments' }).click();
	});

	it('reports an account from its profile', async () => {
		await bob.page.goto(`${stack.appUrl}/#/profile/carol.test`);
		await bob.page.getByRole('button', { name: 'Report', exact: true }).click();
		const dialog = bob.page.getByRole('dialog', { name: 'Report @carol.test' });
		await dialog.getByRole('button', { name: 'Send report' }).click();
		await bob.page.getByText('Thanks: the report was sent to the moderators.').waitFor();
	});

	it('raised no errors in the page', () => {
		expect(bob.errors).toEqual([]);
	});
});
