import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { createVideoHost, readVideoConfig } from '../../../worker/video/index.ts';

const deps = { bucket: env.VIDEOS, publicUrl: 'http://localhost:8787', fetch };

describe('video config', () => {
	it('hosts on R2 by default', () => {
		expect(createVideoHost(readVideoConfig({}), deps).name).toBe('r2');
	});

	it('requires the Stream account, token and customer code when Stream hosts', () => {
		expect(() => readVideoConfig({ VIDEO_HOST: 'stream', STREAM_ACCOUNT_ID: 'acct' })).toThrow(/STREAM_API_TOKEN[\s\S]*STREAM_CUSTOMER_CODE/);
		const config = readVideoConfig({ VIDEO_HOST: 'stream', STREAM_ACCOUNT_ID: 'acct', STREAM_API_TOKEN: 'token', STREAM_CUSTOMER_CODE: 'abc123' });
		expect(createVideoHost(config, deps).name).toBe('stream');
	});

	it('refuses an unknown host', () => {
		expect(() => readVideoConfig({ VIDEO_HOST: 's3' })).toThrow();
	});
});
