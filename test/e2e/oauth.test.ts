// Signing in with AT Protocol OAuth in a real Chromium, through the reference PDS's own authorization
// pages: the app on localhost moves to 127.0.0.1 (loopback clients must return there), the PDS asks
// for the password and the approval, and the app comes back signed in with DPoP-bound tokens that
// write to the repo, reach Dreamreel through the PDS, refresh, and are revoked on sign-out.
import { atprotoLoopbackClientMetadata, type OAuthClientIdLoopback } from '@atproto/oauth-types';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../scripts/seed.ts';
import { activeClip, feedClips, listRecords } from './app.ts';
import { launchPersona, screenshots, type Persona } from './browser.ts';
import { PORTS, startE2eStack, type E2eStack } from './stack.ts';

let stack: E2eStack;
let carol: Persona;
/** Where the loopback client lives and returns to. */
const home = `http://127.0.0.1:${PORTS.worker}`;
const SERVICE_DID = `did:web:localhost%3A${PORTS.worker}`;

beforeAll(async () => {
	stack = await startE2eStack();
	carol = await launchPersona('carol-oauth');
});

afterAll(async () => {
	await carol?.close();
	await stack?.close();
});

/** The OAuth library's stored sessions (tokens, DPoP key), keyed by DID. */
const SESSIONS_KEY = 'dreamreel-oauth:sessions';
type StoredSessions = Record<string, { value: { token: { access: string; refresh?: string; expires_at?: number } } }>;
const storedSessions = (page: Page) => page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '{}'), SESSIONS_KEY) as Promise<StoredSessions>;
const meLink = (page: Page) => page.getByRole('link', { name: 'Me', exact: true });

/** Marks the stored access token expired, as if the page had been left open past its lifetime. */
async function expireAccessToken(page: Page, sessions: StoredSessions): Promise<void> {
	for (const session of Object.values(sessions)) session.value.token.expires_at = 0;
	await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), [SESSIONS_KEY, JSON.stringify(sessions)]);
}

describe('OAuth sign-in', () => {
	it('serves the loopback client metadata that the reference PDS derives from the client_id', async () => {
		const metadata = (await (await fetch(`${stack.appUrl}/oauth/client-metadata.json`)).json()) as { client_id: OAuthClientIdLoopback; scope: string };
		expect(metadata).toEqual(atprotoLoopbackClientMetadata(metadata.client_id));
		expect(metadata).toMatchObject({ redirect_uris: [`${home}/`] });
		expect(metadata.scope.split(' ')).toEqual(expect.arrayContaining(['atproto', 'repo:video.dreamreel.like', 'blob:video/*']));
	});

	it('signs in through the PDS’s own pages: password, approval, back signed in', async () => {
		const { page } = carol;
		await page.goto(`${stack.appUrl}/#/signin`);
		await screenshots(page, 'oauth-signin');
		await page.getByLabel('Handle or DID').fill('carol.test');
		await page.getByRole('button', { name: 'Sign in', exact: true }).click();

		await page.waitForURL((url) => url.href.startsWith(`${stack.network.pdsUrl}/oauth/authorize?`));
		const password = page.getByLabel('Password', { exact: true });
		await password.waitFor();
		await screenshots(page, 'oauth-pds-signin');
		await password.fill(DEMO_PASSWORD);
		await page.getByRole('button', { name: 'Sign in', exact: true }).click();
		const authorize = page.getByRole('button', { name: 'Authorize' });
		await authorize.waitFor();
		await screenshots(page, 'oauth-pds-consent');
		await authorize.click();

		await meLink(page).waitFor();
		// Back on the loopback origin, the code gone from the address bar.
		expect(page.url()).toBe(`${home}/#/`);
		expect(await page.evaluate(() => JSON.parse(localStorage.getItem('dreamreel:oauth') ?? 'null'))).toEqual({
			did: stack.demo.accounts.carol.did,
			handle: 'carol.test',
			pds: stack.network.pdsUrl,
		});
		expect(await page.evaluate(() => localStorage.getItem('dreamreel:session'))).toBeNull();
		expect(Object.keys(await storedSessions(page))).toEqual([stack.demo.accounts.carol.did]);
	});

	it('likes into the user’s own repo with a DPoP-bound token', async () => {
		const { page } = carol;
		const write = page.waitForResponse((response) => response.url() === `${stack.network.pdsUrl}/xrpc/com.atproto.repo.createRecord` && response.request().method() === 'POST');
		await feedClips(page);
		const clip = await activeClip(page);
		const like = page.locator('.slide.active').getByRole('button', { name: 'Like' });
		await like.click();
		await expect.poll(() => like.getAttribute('aria-pressed')).toBe('true');

		const headers = (await write).request().headers();
		expect(headers.authorization).toMatch(/^DPoP /);
		expect(headers.dpop).toBeTruthy();
		expect((await write).status()).toBe(200);
		await expect
			.poll(async () => (await listRecords(stack.network.pdsUrl, stack.demo.accounts.carol.did, 'video.dreamreel.like')).map((r) => (r.value.subject as { uri: string }).uri))
			.toContain(clip!.uri);
	});

	it('calls Dreamreel’s authenticated methods through the PDS (getTimeline, atproto-proxy)', async () => {
		const { page } = carol;
		const timeline = page.waitForResponse((response) => response.url().startsWith(`${stack.network.pdsUrl}/xrpc/video.dreamreel.getTimeline?`));
		await page.goto(`${home}/#/following`);
		const response = await timeline;
		expect(response.request().headers()['atproto-proxy']).toBe(`${SERVICE_DID}#dreamreel`);
		expect(response.status()).toBe(200);
		expect(((await response.json()) as { clips: unknown[] }).clips.length).toBeGreaterThan(0);
		await feedClips(page);
	});

	it('keeps the session across reloads, refreshing an expired access token', async () => {
		const { page } = carol;
		const before = await storedSessions(page);
		await expireAccessToken(page, before);
		await page.reload();
		await meLink(page).waitFor();
		await feedClips(page);
		const [after] = Object.values(await storedSessions(page));
		const [earlier] = Object.values(before);
		expect(after!.value.token.access).not.toBe(earlier!.value.token.access);
		expect(after!.value.token.expires_at).toBeGreaterThan(Date.now());
	});

	it('signing out revokes the grant at the PDS: its refresh token no longer works', async () => {
		const { page } = carol;
		const kept = await storedSessions(page);
		const account = await page.evaluate(() => localStorage.getItem('dreamreel:oauth'));
		await page.goto(`${home}/#/profile/carol.test`);
		await page.getByRole('button', { name: 'Sign out' }).click();
		await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
		expect(await storedSessions(page)).toEqual({});

		// Put the signed-out tokens back, expired: the refresh the app attempts must be refused.
		await page.evaluate(([key, value]) => localStorage.setItem(key!, value!), ['dreamreel:oauth', account!]);
		await expireAccessToken(page, kept);
		await page.goto(`${home}/#/`);
		await page.reload();
		await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
		await expect.poll(() => page.evaluate(() => localStorage.getItem('dreamreel:oauth'))).toBeNull();
	});

	it('falls back to an app password when the provider offers no OAuth', async () => {
		const { page } = carol;
		// A PDS without an OAuth authorization server answers its metadata with a 404.
		await page.route(`${stack.network.pdsUrl}/.well-known/oauth-protected-resource`, (route) =>
			route.fulfill({ status: 404, headers: { 'access-control-allow-origin': '*' }, body: 'Not Found' }),
		);
		try {
			await page.goto(`${home}/#/signin`);
			await page.getByLabel('Handle or DID').fill('carol.test');
			await page.getByRole('button', { name: 'Sign in', exact: true }).click();
			await page.getByText(/does not offer OAuth sign-in.*Use an app password instead/).waitFor();
			await screenshots(page, 'oauth-fallback');
			await page.getByLabel('App password').fill(DEMO_PASSWORD);
			await page.getByRole('button', { name: 'Sign in', exact: true }).click();
			await meLink(page).waitFor();
			expect(await page.evaluate(() => JSON.parse(localStorage.getItem('dreamreel:session') ?? 'null'))).toMatchObject({ did: stack.demo.accounts.carol.did });
		} finally {
			await page.unrouteAll();
		}
	});

	it('raised no errors in any page', () => {
		expect(carol.errors).toEqual([]);
	});
});
