import { getPdsEndpoint } from '@atcute/identity';
import type { DidDocumentResolver } from '@atcute/identity-resolver';
import type { Did } from '@atcute/lexicons';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { IsolateCache } from '../isolate-cache.ts';
import { outboundFetch } from '../outbound-fetch.ts';

export interface ModerationTarget {
	serviceDid: string;
	reporterDid: string;
	reporterPassword: string;
}

interface Deps {
	db: D1Database;
	dids: DidDocumentResolver;
	fetch: typeof fetch;
}

export const forwardingDeps = (app: Pick<AppContext, 'db' | 'identity' | 'config'>): Deps => ({
	db: app.db,
	dids: app.identity.dids,
	fetch: outboundFetch(app.config.allowLoopbackFetch),
});

/** A report not forwarded after this many tries is left for an operator (it stays in `reports`). */
const MAX_ATTEMPTS = 10;
const TIMEOUT_MS = 10_000;

/** The reporter account's session: access tokens live for hours; one is reused for a few minutes. */
const sessions = new IsolateCache<{ pds: string; accessJwt: string }>(10 * 60_000, 10);

const sessionSchema = z.object({ accessJwt: z.string().min(1) });

interface PendingRow {
	id: number;
	reporter: string;
	reason_type: string;
	reason: string | null;
	subject_did: string;
	subject_uri: string | null;
	subject_cid: string | null;
}

/**
 * Files reports with the deployment's moderation service, as its reporter account, through that
 * account's PDS (`atproto-proxy: <service>#atproto_labeler`): the way any client reports to a labeler.
 * The original reporter is named in the reason. `only` forwards one report; otherwise every pending one.
 */
export async function forwardReports(deps: Deps, target: ModerationTarget, only?: number): Promise<void> {
	const { results } = await deps.db
		.prepare(
			`SELECT id, reporter, reason_type, reason, subject_did, subject_uri, subject_cid FROM reports
			 WHERE forwarded_at IS NULL AND forward_attempts < ?1 AND (?2 IS NULL OR id = ?2) ORDER BY id LIMIT 20`,
		)
		.bind(MAX_ATTEMPTS, only ?? null)
		.all<PendingRow>();
	for (const row of results) {
		const error = await send(deps, target, row).then(() => null, (failure: unknown) => String(failure instanceof Error ? failure.message : failure).slice(0, 500));
		await deps.db
			.prepare(
				`UPDATE reports SET forward_attempts = forward_attempts + 1, forward_error = ?2,
				   forwarded_at = CASE WHEN ?2 IS NULL THEN ?3 ELSE NULL END WHERE id = ?1`,
			)
			.bind(row.id, error, new Date().toISOString())
			.run();
		if (error) console.warn(`report ${row.id} not forwarded: ${error}`);
	}
}

async function send(deps: Deps, target: ModerationTarget, row: PendingRow): Promise<void> {
	const body = JSON.stringify({
		reasonType: row.reason_type,
		reason: `Reported on Dreamreel by ${row.reporter}${row.reason ? `: ${row.reason}` : ''}`.slice(0, 2000),
		subject: row.subject_uri
			? { $type: 'com.atproto.repo.strongRef', uri: row.subject_uri, cid: row.subject_cid }
			: { $type: 'com.atproto.admin.defs#repoRef', did: row.subject_did },
	});
	for (const fresh of [false, true]) {
		const { pds, accessJwt } = await session(deps, target, fresh);
		const response = await deps.fetch(new URL('/xrpc/com.atproto.moderation.createReport', pds), {
			method: 'POST',
			headers: { authorization: `Bearer ${accessJwt}`, 'atproto-proxy': `${target.serviceDid}#atproto_labeler`, 'content-type': 'application/json' },
			body,
			signal: AbortSignal.timeout(TIMEOUT_MS),
		});
		if (response.ok) return;
		const text = (await response.text()).slice(0, 300);
		// An expired token is renewed once; anything else is the service's answer.
		if (fresh || !/ExpiredToken|InvalidToken/.test(text)) throw new Error(`the moderation service answered ${response.status}: ${text}`);
	}
}

async function session(deps: Deps, target: ModerationTarget, fresh: boolean): Promise<{ pds: string; accessJwt: string }> {
	const cached = !fresh && sessions.get(target.reporterDid);
	if (cached) return cached;
	const pds = getPdsEndpoint(await deps.dids.resolve(target.reporterDid as Did));
	if (!pds) throw new Error(`the reporter account ${target.reporterDid} names no PDS`);
	const response = await deps.fetch(new URL('/xrpc/com.atproto.server.createSession', pds), {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ identifier: target.reporterDid, password: target.reporterPassword }),
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
	if (!response.ok) throw new Error(`the reporter account could not sign in: ${response.status} ${(await response.text()).slice(0, 200)}`);
	const { accessJwt } = sessionSchema.parse(await response.json());
	return sessions.set(target.reporterDid, { pds, accessJwt });
}
