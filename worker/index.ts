import { Hono } from 'hono';
import { ConfigError } from './config.ts';
import { createContext, type AppContext } from './context.ts';
import { didDocument } from './did-document.ts';
import { jobEvents } from './jobs/events-route.ts';
import { jobVideo } from './jobs/video-route.ts';
import { providerWebhook } from './jobs/webhook-route.ts';
import { oauthClientMetadata } from './oauth-client-metadata.ts';
import { serveVideo } from './video/index.ts';
import { streamWebhook } from './video/stream-webhook-route.ts';
import { conventionalError } from './xrpc/errors.ts';
import { createXrpcRouter } from './xrpc/router.ts';

export { GenerationJob } from '../durable-objects/GenerationJob.ts';
export { GenerationQuota } from '../durable-objects/GenerationQuota.ts';
export { Ingester } from '../durable-objects/Ingester.ts';
export { Mirror } from '../durable-objects/Mirror.ts';
export { Timeline } from '../durable-objects/Timeline.ts';

interface Isolate {
	ctx: AppContext;
	xrpc: ReturnType<typeof createXrpcRouter>;
}

// The context and router are built once per isolate: env does not change while it lives.
const isolates = new WeakMap<Env, Isolate>();
function isolate(env: Env): Isolate {
	let built = isolates.get(env);
	if (!built) {
		const ctx = createContext(env);
		built = { ctx, xrpc: createXrpcRouter(ctx) };
		isolates.set(env, built);
	}
	return built;
}

const app = new Hono<{ Bindings: Env }>();

// A deployment whose config fails (local values in production, say) serves nothing but this 503;
// the reason goes to its logs (`wrangler tail`), not to callers.
app.use(async (c, next) => {
	try {
		isolate(c.env);
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		console.error(`dreamreel is misconfigured: ${error.message}`);
		return c.json({ error: 'ServiceUnavailable', message: 'this deployment is misconfigured' }, 503);
	}
	await next();
});

app.get('/.well-known/did.json', (c) => c.json(didDocument(isolate(c.env).ctx.config)));
// What the web client needs to resolve identities on this deployment's network.
app.get('/.well-known/dreamreel-client.json', (c) => {
	const { plcUrl, handleResolverUrl } = isolate(c.env).ctx.config;
	return c.json({ plcUrl, ...(handleResolverUrl ? { handleResolver: handleResolverUrl } : {}) });
});
app.get('/oauth/client-metadata.json', (c) => c.json(oauthClientMetadata(isolate(c.env).ctx.config)));
app.all('/xrpc/*', async (c) => conventionalError(await isolate(c.env).xrpc.fetch(c.req.raw)));
app.on(['GET', 'HEAD'], '/video/:cid', (c) =>
	serveVideo(c.req.raw, c.env.VIDEOS, c.req.param('cid'), { cache: caches.default, waitUntil: (promise) => c.executionCtx.waitUntil(promise) }),
);
app.post('/webhooks/stream', (c) => streamWebhook(c.req.raw, c.env, isolate(c.env).ctx));
app.post('/webhooks/:provider', (c) => providerWebhook(c.req.raw, isolate(c.env).ctx.jobs(), c.req.param('provider')));
app.get('/jobs/:id/events', (c) => jobEvents(c.req.raw, isolate(c.env).ctx, c.req.param('id')));
app.on(['GET', 'HEAD'], '/jobs/:id/video/:file', (c) => jobVideo(c.req.raw, c.env.VIDEOS, c.req.param('id'), c.req.param('file')));

export default {
	fetch: app.fetch,
	// Every minute: keeps the ingester running after a deploy or an eviction (`npm start` triggers it once).
	async scheduled(_controller, env) {
		await isolate(env).ctx.ingester().start();
	},
} satisfies ExportedHandler<Env>;
