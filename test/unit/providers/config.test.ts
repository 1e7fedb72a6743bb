import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { providersFromConfig } from '../../../worker/providers/index.ts';
import { FAL_FAKE_URL, FalFake } from '../../fixtures/fakes/fal.ts';

describe('providersFromConfig', () => {
	it('offers only demo when the deployment has no provider keys', () => {
		const providers = providersFromConfig(env);
		expect(providers.preferred.name).toBe('demo');
		expect(Object.keys(providers.byName)).toEqual(['demo']);
	});

	it('treats empty vars as unset', () => {
		const providers = providersFromConfig({ FAL_KEY: '', REPLICATE_API_TOKEN: ' ', FAL_MODEL: '', DEMO_GENERATION_MS: '' });
		expect(Object.keys(providers.byName)).toEqual(['demo']);
	});

	it('prefers fal, then Replicate, when their keys are set, with default models', () => {
		const both = providersFromConfig({ FAL_KEY: 'k', REPLICATE_API_TOKEN: 't' });
		expect(both.preferred.name).toBe('fal');
		expect([both.byName.fal?.model, both.byName.replicate?.model]).toEqual(['bytedance/seedance-2.0/text-to-video', 'bytedance/seedance-2.0']);
		expect(providersFromConfig({ REPLICATE_API_TOKEN: 't' }).preferred.name).toBe('replicate');
	});

	it('honours GENERATION_PROVIDER and the model vars', () => {
		const providers = providersFromConfig({
			FAL_KEY: 'k',
			REPLICATE_API_TOKEN: 't',
			REPLICATE_MODEL: 'wan-video/wan-2.7-r2v',
			GENERATION_PROVIDER: 'replicate',
		});
		expect([providers.preferred.name, providers.preferred.model]).toEqual(['replicate', 'wan-video/wan-2.7-r2v']);
		expect(providersFromConfig({ FAL_KEY: 'k', GENERATION_PROVIDER: 'demo' }).preferred.name).toBe('demo');
	});

	it('refuses a chosen provider without its key, and malformed values', () => {
		expect(() => providersFromConfig({ GENERATION_PROVIDER: 'fal' })).toThrow(/FAL_KEY/);
		expect(() => providersFromConfig({ REPLICATE_API_TOKEN: 't', REPLICATE_MODEL: 'no-owner' })).toThrow(/owner\/name/);
		expect(() => providersFromConfig({ REPLICATE_WEBHOOK_SECRET: 'plain' })).toThrow();
		expect(() => providersFromConfig({ DEMO_GENERATION_MS: 'soon' })).toThrow();
	});

	it('passes the webhook secret through, and the injected fetch and clock to the providers', async () => {
		const fake = new FalFake();
		const providers = providersFromConfig(
			{ FAL_KEY: fake.apiKey, FAL_QUEUE_URL: FAL_FAKE_URL, REPLICATE_WEBHOOK_SECRET: 'whsec_c2VjcmV0', DEMO_GENERATION_MS: '0' },
			{ fetch: fake.fetch, now: () => 5 },
		);
		// Replicate has no token here, so its webhook secret has nothing to verify for.
		expect(Object.keys(providers.webhooks)).toEqual(['fal']);
		await providers.preferred.create({ prompt: 'p', durationSeconds: 5, aspectRatio: '1:1' });
		expect(fake.requests).toHaveLength(1);
		const { demo } = providers.byName;
		expect(await demo.status(await demo.create({ prompt: 'p', durationSeconds: 5, aspectRatio: '1:1' }))).toEqual({ state: 'succeeded' });
	});
});
