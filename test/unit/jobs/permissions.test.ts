import { afterEach, describe, expect, it } from 'vitest';
import { overrideJobRuntime } from '../../../worker/jobs/runtime.ts';
import { FalFake } from '../../fixtures/fakes/fal.ts';
import {
	clock,
	demoProviders,
	expectValidView,
	falProviders,
	isStatus,
	newDid,
	seedActor,
	seedClip,
	seedConsent,
	seedFollow,
	submit,
	until,
	useRuntime,
} from './fixtures.ts';

afterEach(() => overrideJobRuntime(undefined));

/** A person with an indexed account and a handle, so refusals can name them. */
async function person(name: string) {
	const did = newDid();
	await seedActor(did, `${name}.test`);
	return did;
}

describe('consent to be featured (cameos)', () => {
	it('refuses a cameo without consent, 403 ConsentRequired naming who, and starts nothing', async () => {
		const runtime = useRuntime(demoProviders());
		const [me, bob, cat] = [await person('me'), await person('bob'), await person('cat')];
		await seedConsent(cat, 'everyone');
		const refused = await submit(runtime, me, { cameos: [cat, bob] }).catch((error: unknown) => error);
		expect(refused).toMatchObject({ status: 403, error: 'ConsentRequired' });
		expect((refused as Error).message).toBe(`no consent for you to feature bob.test (${bob})`);
		expect(await runtime.quota(me).usage(clock.now)).toEqual({ active: 0, today: 0 });
	});

	it('follows each audience: everyone, listed, followers, mutuals, self; and expiry', async () => {
		const runtime = useRuntime(demoProviders());
		const me = await person('me');
		const everyone = await person('everyone');
		const listed = await person('listed');
		const followers = await person('followers');
		const mutuals = await person('mutuals');
		const self = await person('self');
		const expired = await person('expired');
		await seedConsent(everyone, 'everyone');
		await seedConsent(listed, 'listed', { allowed: [me] });
		await seedConsent(followers, 'followers');
		await seedConsent(mutuals, 'mutuals');
		await seedConsent(self, 'self');
		await seedConsent(expired, 'everyone');
		await runtime.db.prepare(`UPDATE consents SET expires_at = '2020-01-01T00:00:00.000Z' WHERE did = ?`).bind(expired).run();
		await seedFollow(me, followers);
		await seedFollow(me, mutuals);

		await expect(submit(runtime, me, { cameos: [everyone, listed, followers, me] })).resolves.toMatchObject({ status: 'queued' });
		for (const refused of [mutuals, self, expired]) {
			await expect(submit(runtime, me, { cameos: [refused] })).rejects.toMatchObject({ error: 'ConsentRequired' });
		}
		await seedFollow(mutuals, me);
		await expect(submit(runtime, me, { cameos: [mutuals] })).resolves.toMatchObject({ cameos: [mutuals] });
	});

	it('is checked again by the job before any provider call', async () => {
		const fake = new FalFake();
		const runtime = useRuntime(falProviders(fake));
		const [me, bob] = [await person('me'), await person('bob')];
		// Consent withdrawn between submit and the job's first step: the object is started directly here.
		const id = 'c0ffee'.padEnd(32, '0');
		const spec = { prompt: 'two friends on a beach', durationSeconds: 5, aspectRatio: '9:16' as const, cameos: [bob], provider: 'fal', model: 'm' };
		await runtime.job(id).create({ id, requester: me, spec });
		const failed = await until(runtime.job(id), me, isStatus('failed'));
		expect(failed.error).toBe(`ConsentRequired: no consent for you to feature bob.test (${bob})`);
		expect(fake.requests).toEqual([]);
	});
});

describe('remix', () => {
	it('refuses a clip the index does not hold: 404 ClipNotFound', async () => {
		const runtime = useRuntime(demoProviders());
		const me = await person('me');
		await expect(submit(runtime, me, { remixOf: `at://${newDid()}/video.dreamreel.clip/3kabc` })).rejects.toMatchObject({ status: 404, error: 'ClipNotFound' });
	});

	it('follows the parent’s remix policy', async () => {
		const runtime = useRuntime(demoProviders());
		const [me, author] = [await person('me'), await person('author')];
		const closed = await seedClip(author, { remixPolicy: 'none' });
		const forFollowers = await seedClip(author, { remixPolicy: 'followers' });
		const refused = await submit(runtime, me, { remixOf: closed.uri }).catch((error: unknown) => error);
		expect(refused).toMatchObject({ status: 403, error: 'RemixNotAllowed' });
		expect((refused as Error).message).toBe(`the clip's remix policy (none) does not include you`);
		await expect(submit(runtime, me, { remixOf: forFollowers.uri })).rejects.toMatchObject({ error: 'RemixNotAllowed' });
		await seedFollow(me, author);
		await expect(submit(runtime, me, { remixOf: forFollowers.uri })).resolves.toMatchObject({ remixOf: forFollowers });
		// Authors may always remix their own clips.
		await expect(submit(runtime, author, { remixOf: closed.uri })).resolves.toMatchObject({ remixOf: closed });
	});

	it('is refused when someone featured in the parent does not allow remixes', async () => {
		const runtime = useRuntime(demoProviders());
		const [me, author, star] = [await person('me'), await person('author'), await person('star')];
		await seedConsent(star, 'everyone', { allowRemix: false });
		const parent = await seedClip(author, { cameos: [star] });
		const refused = await submit(runtime, me, { remixOf: parent.uri }).catch((error: unknown) => error);
		expect(refused).toMatchObject({ status: 403, error: 'RemixNotAllowed' });
		expect((refused as Error).message).toBe('star.test does not allow you to remix clips featuring them');
	});

	it('hands the parent’s video to a provider that takes one, and records parent and root', async () => {
		const fake = new FalFake();
		const runtime = useRuntime(falProviders(fake, { model: 'bytedance/seedance-2.0/text-to-video' }));
		const [me, author] = [await person('me'), await person('author')];
		const root = await seedClip(author);
		const parent = await seedClip(author, { lineage: { parent: root, root } });
		const job = await submit(runtime, me, { remixOf: parent.uri, prompt: 'the same boat, now in space' });
		expect(job).toMatchObject({ remixOf: parent, root });
		expectValidView(job);
		const ready = await until(runtime.job(job.id), me, isStatus('ready'));
		expect(ready).toMatchObject({ remixOf: parent, root });
		const submitted = fake.requests.find((r) => r.method === 'POST');
		expect(submitted?.url.pathname).toBe('/bytedance/seedance-2.0/reference-to-video');
		expect(submitted?.body).toMatchObject({
			prompt: 'the same boat, now in space',
			video_urls: [expect.stringContaining('com.atproto.sync.getBlob')],
		});
	});

	it('gives a provider without video input a prompt derived from the parent’s', async () => {
		const fake = new FalFake();
		const runtime = useRuntime(falProviders(fake, { model: 'fal-ai/kling-video/v2/master/text-to-video' }));
		const [me, author] = [await person('me'), await person('author')];
		const parent = await seedClip(author, { prompt: 'a paper boat on a stormy sea' });
		const job = await submit(runtime, me, { remixOf: parent.uri, prompt: 'make it sunny' });
		await until(runtime.job(job.id), me, isStatus('ready'));
		const submitted = fake.requests.find((r) => r.method === 'POST');
		expect(submitted?.body).toEqual(
			expect.objectContaining({ prompt: 'make it sunny\n\nA remix of an earlier clip, which showed: a paper boat on a stormy sea' }),
		);
		expect(submitted?.body).not.toHaveProperty('video_urls');
		expect(await runtime.job(job.id).view(me)).toMatchObject({ remixOf: parent, root: parent });
	});
});

describe('providers', () => {
	it('refuses a provider this deployment has not configured: 400 ProviderUnavailable', async () => {
		const runtime = useRuntime(demoProviders());
		await expect(submit(runtime, newDid(), { provider: 'replicate' })).rejects.toMatchObject({ status: 400, error: 'ProviderUnavailable' });
	});

	it('refuses an aspect ratio no provider takes', async () => {
		const runtime = useRuntime(demoProviders());
		await expect(submit(runtime, newDid(), { aspectRatio: '4:3' })).rejects.toMatchObject({ status: 400, error: 'InvalidRequest' });
	});
});
