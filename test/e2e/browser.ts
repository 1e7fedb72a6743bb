// Debian's Chromium driven by playwright-core: never a downloaded browser. Each persona gets its own
// browser with a fresh profile, as two people on two devices would.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
export const SCREENSHOTS = join(import.meta.dirname, 'screenshots');

export interface Persona {
	name: string;
	context: BrowserContext;
	page: Page;
	/** Console errors and uncaught exceptions seen so far (failed loads aside). */
	errors: string[];
	close(): Promise<void>;
}

/** `camera`: Chromium's fake camera (a moving test pattern), granted without asking. */
export async function launchPersona(name: string, options: { camera?: boolean } = {}): Promise<Persona> {
	const userDataDir = await mkdtemp(join(tmpdir(), `dreamreel-e2e-${name}-`));
	const args = options.camera ? [...ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'] : ARGS;
	const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args, headless: true, viewport: PHONE });
	const page = context.pages()[0] ?? (await context.newPage());
	const errors: string[] = [];
	page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
	page.on('console', (message) => {
		// Resource errors (a 404 for an optional endpoint) are the network's business, not the page's.
		if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(`${name}: ${message.text()}`);
	});
	return {
		name,
		context,
		page,
		errors,
		async close() {
			await context.close();
			await rm(userDataDir, { recursive: true, force: true });
		},
	};
}

/**
 * Saves a screenshot of the page at phone and desktop size, then restores the phone viewport.
 * `fullPage`: the app scrolls inside its main element, so for the picture it is let grow instead.
 */
export async function screenshots(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
	await mkdir(SCREENSHOTS, { recursive: true });
	const shoot = async (file: string) => {
		const style = options.fullPage ? await page.addStyleTag({ content: '.app { height: auto; min-height: 100dvh } #view { overflow: visible }' }) : undefined;
		await page.screenshot({ path: join(SCREENSHOTS, file), fullPage: options.fullPage });
		await style?.evaluate((element) => (element as HTMLStyleElement).remove());
	};
	await shoot(`${name}-phone.png`);
	await page.setViewportSize(DESKTOP);
	await page.waitForTimeout(400);
	await shoot(`${name}-desktop.png`);
	await page.setViewportSize(PHONE);
	await page.waitForTimeout(200);
}
