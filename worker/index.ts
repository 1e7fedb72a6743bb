import { Hono } from 'hono';
import { ConfigError } from './config.ts';
import { createContext, type AppContext } from './context.ts';
import { didDocument } from './did-document.ts';
import { conventionalError, errorResponse } from './errors.ts';
import { jobEvents } from './jobs/events-route.ts';
import { jobVideo } from './jobs/video-route.ts';
import { providerWebhook } from './jobs/webhook-route.ts';
import { forwardingDeps, forwardReports } from './moderation/forward.ts';
import { acceptedLabelers, withAcceptedLabels } from './moderation/accept-labelers.ts';
import { forgetUnfollowedLabels } from './moderation/labels.ts';
import { issueAiLabels } from './moderation/own-labels.ts';
import { oauthClientMetadata } from './oauth-client-metadata.ts';
import { serveReference } from './likeness/reference-route.ts';
import { servePage } from './pages/preview.ts';
import { limitClient } from './rate-limit.ts';
import { serveVideo } from './video/index.ts';
import { servePoster } from './video/serve-poster.ts';
import { streamWebhook } from './video/stream/webhook-route.ts';
import { createXrpcRouter } from './xrpc/router.ts';

export { GenerationJob } from '../durable-objects/GenerationJob.ts';
export { GenerationQuota } from '../durable-objects/GenerationQuota.ts';
export { Ingester } from '../durable-objects/Ingester.ts';
export { Labeler } from '../durable-objects/Labeler.ts';
export { LabelStream } from '../durable-objects/LabelStream.ts';
export { Mirror } from '../durable-objects/Mirror.ts';
export { Timeline } from '../durable-objects/Timeline.ts';

interface Isolate {
	app: AppContext;
	xrpc: ReturnType<typeof createXrpcRouter>;
}

// The context and router are built once per isolate: env does not change while it lives.
const isolates = new WeakMap<Env, Isolate>();
function isolate(env: Env): Isolate {
	let built = isolates.get(env);
	if (!built) {
		const app = createContext(env);
		built = { app, xrpc: createXrpcRouter(app) };
		isolates.set(env, built);
	}
	return built;
}

const routes = new Hono<{ Bindings: Env }>();

// Every route's errors, XRPC or not, answer as XRPC errors (worker/errors.ts).
routes.onError((error, c) => errorResponse(error, c.req.raw));

// A deployment whose config fails (local values in production, say) serves nothing but this 503;
// the reason goes to its logs (`wrangler tail`), not to callers.
routes.use(async (c, next) => {
	try {
		isolate(c.env);
	} catch (error) {
		if (!(error instanceof ConfigError)) throw error;
		console.error(`dreamreel is misconfigured: ${error.message}`);
		return c.json({ error: 'ServiceUnavailable', message: 'this deployment is misconfigured' }, 503);
	}
	await next();
});

// Open to anyone: each client address gets a budget of requests (worker/rate-limit.ts).
routes.use('/xrpc/*', async (c, next) => {
	await limitClient(c.req.raw, c.env.CLIENT_REQUESTS, isolate(c.env).app.config.rateLimitExempt);
	await next();
});
routes.use('/video/*', async (c, next) => {
	await limitClient(c.req.raw, c.env.CLIENT_REQUESTS, isolate(c.env).app.config.rateLimitExempt);
	await next();
});

routes.get('/.well-known/did.json', async (c) => {
	const { app } = isolate(c.env);
	return c.json(await didDocument(app.config, await app.ownLabeler()));
});
// What the web client needs to resolve identities on this deployment's network.
routes.get('/.well-known/dreamreel-client.json', (c) => {
	const { plcUrl, handleResolverUrl } = isolate(c.env).app.config;
	return c.json({ plcUrl, ...(handleResolverUrl ? { handleResolver: handleResolverUrl } : {}) });
});
routes.get('/oauth/client-metadata.json', (c) => c.json(oauthClientMetadata(isolate(c.env).app.config)));
// Our labels as an event stream, for anyone following this service as a labeler (LABEL_SIGNING_KEY).
routes.get('/xrpc/com.atproto.label.subscribeLabels', async (c) => {
	if (!(await isolate(c.env).app.ownLabeler())) return c.json({ error: 'MethodNotImplemented', message: 'this deployment issues no labels' }, 501);
	return c.env.LABEL_STREAM.getByName('own').fetch(c.req.raw);
});
routes.all('/xrpc/*', async (c) => {
	const { app, xrpc } = isolate(c.env);
	const response = await conventionalError(await xrpc.fetch(c.req.raw));
	// A client naming its labelers (as Bluesky's do) gets only their labels in the views.
	const accepted = acceptedLabelers(c.req.header('atproto-accept-labelers') ?? null);
	const followed = [...app.config.labelers, ...(app.config.labelSigningKey ? [app.config.serviceDid] : [])];
	return accepted ? withAcceptedLabels(response, accepted, followed) : response;
});
routes.on(['GET', 'HEAD'], '/video/:cid', (c) =>
	serveVideo(c.req.raw, c.env.VIDEOS, c.req.param('cid'), { cache: caches.default, waitUntil: (promise) => c.executionCtx.waitUntil(promise) }),
);
// Clip, remix, lineage, profile and tag pages with link previews (worker/pages/paths.ts names them).
for (const path of ['/c/*', '/r/*', '/tag/*', '/:actor{@.+}']) {
	routes.on(['GET', 'HEAD'], path, async (c) => {
		// They read the index, as XRPC reads do: the same budget per client address.
		await limitClient(c.req.raw, c.env.CLIENT_REQUESTS, isolate(c.env).app.config.rateLimitExempt);
		return servePage(c.req.raw, isolate(c.env).app, c.env.ASSETS);
	});
}
routes.on(['GET', 'HEAD'], '/video/:cid/poster', (c) => servePoster(c.req.raw, c.env.VIDEOS, c.req.param('cid')));
routes.post('/webhooks/stream', (c) => streamWebhook(c.req.raw, c.env, isolate(c.env).app));
routes.post('/webhooks/:provider', (c) => providerWebhook(c.req.raw, isolate(c.env).app.jobs(), c.req.param('provider')));
routes.get('/jobs/:id/events', (c) => jobEvents(c.req.raw, isolate(c.env).app, c.req.param('id')));
// One image of a featured person's likeness, for the provider running a job that features them (signed, short-lived).
routes.get('/likeness/:job/:did/:n', (c) => serveReference(c.req.raw, isolate(c.env).app.jobs(), c.req.param('job'), c.req.param('did'), c.req.param('n')));
routes.on(['GET', 'HEAD'], '/jobs/:id/video/:file', (c) => jobVideo(c.req.raw, c.env.VIDEOS, c.req.param('id'), c.req.param('file')));

export default {
	fetch: routes.fetch,
	// Every minute: keeps the ingester running after a deploy or an eviction (`npm start` triggers it
	// once), and retries reports the moderation service did not take.
	async scheduled(_controller, env) {
		const { app } = isolate(env);
		await app.ingester().start();
		await Promise.all(app.config.labelers.map((did) => app.labeler(did).start(did)));
		await forgetUnfollowedLabels(app.db, [...app.config.labelers, app.config.serviceDid]);
		if (app.config.moderation) await forwardReports(forwardingDeps(app), app.config.moderation);
		const labeler = await app.ownLabeler();
		if (labeler && (await issueAiLabels(app.db, labeler)) > 0) await env.LABEL_STREAM.getByName('own').publish();
	},
} satisfies ExportedHandler<Env>;
