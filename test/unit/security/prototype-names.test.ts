// A name from a request (a provider, a webhook, a feed) must pick from what we configured, never
// from Object.prototype: `constructor`, `__proto__`, `toString` are properties of every object.
import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { errorResponse } from '../../../worker/errors.ts';
import { overrideJobRuntime } from '../../../worker/jobs/runtime.ts';
import { providerWebhook } from '../../../worker/jobs/webhook-route.ts';
import { clock, demoProviders, newDid, submit, useRuntime } from '../jobs/fixtures.ts';

afterEach(() => overrideJobRuntime(undefined));

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

describe('names from requests never reach the prototype', () => {
	it.each(PROTOTYPE_NAMES)('generate with provider %s is refused with 400 ProviderUnavailable and counts nothing', async (name) => {
		const runtime = useRuntime(demoProviders());
		const did = newDid();
		await expect(submit(runtime, did, { provider: name })).rejects.toMatchObject({ status: 400, error: 'ProviderUnavailable' });
		expect(await runtime.quota(did).usage(clock.now)).toEqual({ active: 0, today: 0 });
	});

	it.each(PROTOTYPE_NAMES)('POST /webhooks/%s answers 404, not 500', async (name) => {
		const runtime = useRuntime(demoProviders());
		const request = new Request(`https://dreamreel.example/webhooks/${name}?job=x`, { method: 'POST', body: '{}' });
		const response = await providerWebhook(request, runtime, name).catch((error: unknown) => errorResponse(error, request));
		expect(response.status).toBe(404);
	});

	it.each(PROTOTYPE_NAMES)('the worker answers /webhooks/%s with 404', async (name) => {
		const response = await exports.default.fetch(new Request(`http://localhost:8787/webhooks/${name}?job=x`, { method: 'POST', body: '{}' }));
		expect(response.status).toBe(404);
	});
});
