// Moderation with the reference moderation service: Ozone (dev-env's TestNetwork, on Postgres and
// Redis). A report filed on Dreamreel through the reporter's own PDS is kept and reaches Ozone, filed
// by the deployment's reporter account through its PDS; the labels Ozone's moderators apply reach
// Dreamreel over com.atproto.label.subscribeLabels, signatures checked, and hide or mark what they name.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AtpAgent } from '@atproto/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerProcess } from '../../scripts/worker-process.ts';
import { createAccount, eventually, postClip, xrpc, type Posted } from './harness.ts';
import { findServers, followingVars, startReferenceNetwork, type ReferenceNetwork } from '../../scripts/reference-network.ts';

// The reference services' pg client warns of its own concurrent queries (pg@9 deprecation): not ours.
process.noDeprecation = true;

const PORTS = { plc: 4185, pds: 4186, bsky: 4187, ozone: 4188, postgres: 4189, redis: 4190, worker: 8811 };
const serviceDid = `did:web:localhost%3A${PORTS.worker}`;
const servers = findServers();
const missing = 'missing' in servers && !process.env.CI ? servers.missing : undefined;

describe.skipIf(missing)(`moderation with Ozone${missing ? ` (skipped: needs ${missing})` : ''}`, () => {
	let reference: ReferenceNetwork;
	let worker: WorkerProcess;
	let persistTo: string;
	let alice: AtpAgent;
	let bob: AtpAgent;
	let clip: Posted;

	/** A call through the user's own PDS, which mints the service JWT and forwards it (atproto-proxy). */
	async function viaPds(agent: AtpAgent, nsid: string, body: unknown) {
		const response = await fetch(`${reference.network.pds.url}/xrpc/${nsid}`, {
			method: 'POST',
			headers: { authorization: `Bearer ${agent.session!.accessJwt}`, 'atproto-proxy': `${serviceDid}#dreamreel`, 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		return { status: response.status, body: (await response.json()) as Record<string, unknown> };
	}

	beforeAll(async () => {
		reference = await startReferenceNetwork(PORTS);
		const pdsUrl = reference.network.pds.url;
		[alice, bob] = [await createAccount(pdsUrl, 'alice'), await createAccount(pdsUrl, 'bob')];
		// The account a deployment files its reports as (its password is a wrangler secret in production).
		const reporter = await createAccount(pdsUrl, 'dreamreel-mod');
		persistTo = await mkdtemp(join(tmpdir(), 'dreamreel-ozone-'));
		worker = await startWorker({
			port: PORTS.worker,
			persistTo,
			quiet: !process.env.DEBUG_WORKER,
			vars: {
				...followingVars(reference, PORTS.worker),
				MODERATION_SERVICE_DID: reference.network.ozone.ctx.cfg.service.did,
				MODERATION_REPORTER_DID: reporter.assertDid,
				MODERATION_REPORTER_PASSWORD: 'test-password',
				LABELERS: reference.network.ozone.ctx.cfg.service.did,
			},
		});
		await worker.startIngesting();
		clip = await postClip(alice, { caption: 'someone else’s face' });
		await eventually(async () => expect((await xrpc(worker.url, 'video.dreamreel.getClip', { uri: clip.uri })).status).toBe(200), 30_000);
		const ozoneDid = reference.network.ozone.ctx.cfg.service.did;
		await eventually(async () => {
			const health = await fetch(`${worker.url}/xrpc/_health`).then((response) => response.json() as Promise<{ labelers: { did: string; connected: boolean }[] }>);
			expect(health.labelers).toEqual([expect.objectContaining({ did: ozoneDid, connected: true, lastError: null })]);
		}, 15_000);
	}, 240_000);

	afterAll(async () => {
		await worker?.stop('SIGTERM');
		await reference?.close();
		if (persistTo) await rm(persistTo, { recursive: true, force: true });
	});

	it('a report filed through the reporter’s PDS reaches Ozone, naming who reported it', async () => {
		const filed = await viaPds(bob, 'com.atproto.moderation.createReport', {
			reasonType: 'com.atproto.moderation.defs#reasonMisleading',
			reason: 'a deepfake of me',
			subject: { $type: 'com.atproto.repo.strongRef', uri: clip.uri, cid: clip.cid },
		});
		expect(filed.status).toBe(200);
		expect(filed.body).toMatchObject({ reportedBy: bob.assertDid, subject: { uri: clip.uri } });
		const mod = reference.network.ozone.getModClient();
		const { events } = await mod.queryEvents({ subject: clip.uri, types: ['tools.ozone.moderation.defs#modEventReport'] });
		expect(events).toHaveLength(1);
		expect(events[0]).toMatchObject({
			event: { reportType: 'com.atproto.moderation.defs#reasonMisleading', comment: `Reported on Dreamreel by ${bob.assertDid}: a deepfake of me` },
			subject: { uri: clip.uri },
		});
	}, 30_000);
	const shown = async (uri: string) => (await xrpc(worker.url, 'video.dreamreel.getClip', { uri })).status === 200;

	it('a !hide label from Ozone hides the clip from everyone within seconds, and its negation brings it back', async () => {
		const mod = reference.network.ozone.getModClient();
		const subject = { $type: 'com.atproto.repo.strongRef' as const, uri: clip.uri, cid: clip.cid };
		const labelled = Date.now();
		await mod.emitEvent({ event: { $type: 'tools.ozone.moderation.defs#modEventLabel', createLabelVals: ['!hide'], negateLabelVals: [] }, subject });
		await eventually(async () => expect(await shown(clip.uri)).toBe(false), 15_000);
		console.log(`!hide took effect after ${Date.now() - labelled} ms`);
		await mod.emitEvent({ event: { $type: 'tools.ozone.moderation.defs#modEventLabel', createLabelVals: [], negateLabelVals: ['!hide'] }, subject });
		await eventually(async () => expect(await shown(clip.uri)).toBe(true), 15_000);
	}, 40_000);

	it('a !warn label is carried in the clip’s view, signed by Ozone, for clients to put behind a cover', async () => {
		const mod = reference.network.ozone.getModClient();
		const warned = await postClip(alice, { caption: 'intense' });
		await eventually(async () => expect(await shown(warned.uri)).toBe(true), 15_000);
		await mod.emitEvent({ event: { $type: 'tools.ozone.moderation.defs#modEventLabel', createLabelVals: ['!warn'], negateLabelVals: [] }, subject: { $type: 'com.atproto.repo.strongRef', ...warned } });
		const ozoneDid = reference.network.ozone.ctx.cfg.service.did;
		await eventually(async () => {
			const { body } = await xrpc<{ clip: { labels?: { src: string; val: string; uri: string }[] } }>(worker.url, 'video.dreamreel.getClip', { uri: warned.uri });
			expect(body.clip.labels).toEqual([expect.objectContaining({ src: ozoneDid, uri: warned.uri, val: '!warn' })]);
		}, 15_000);
		expect(await shown(warned.uri)).toBe(true);
	}, 40_000);

	it('an account takedown by an Ozone admin hides all of the account’s clips, and is reversible', async () => {
		const mod = reference.network.ozone.getModClient();
		const subject = { $type: 'com.atproto.admin.defs#repoRef' as const, did: alice.assertDid };
		await mod.performTakedown({ subject });
		await eventually(async () => expect(await shown(clip.uri)).toBe(false), 15_000);
		const feed = await xrpc<{ clips: unknown[] }>(worker.url, 'video.dreamreel.getAuthorFeed', { actor: alice.assertDid });
		expect(feed.body.clips ?? []).toEqual([]);
		await mod.performReverseTakedown({ subject });
		await eventually(async () => expect(await shown(clip.uri)).toBe(true), 15_000);
	}, 40_000);
});
