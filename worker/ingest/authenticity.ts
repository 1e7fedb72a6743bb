/**
 * Whether what a stream says about a repo comes from the repo's owner. The repo firehose carries
 * signed commits with their tree proofs, checked here against the DID document's `#atproto` key;
 * Jetstream carries none, so its records are "unproven": they may narrow what is shown at once, but a
 * grant waits for a proof fetched from the owner's own PDS (worker/ingest/proofs.ts).
 *
 * A firehose commit whose DID document cannot be had (the directory down and nothing cached, or down
 * when a bad signature asks for a fresh one) is "unverifiable": refused, except that a consent in it
 * counts as no grant until proven (apply.ts), so an outage cannot swallow a revocation.
 */
import { getAtprotoVerificationMaterial, getPdsEndpoint, type DidDocument } from '@atcute/identity';
import { getPublicKeyFromDidController, type FoundPublicKey } from '@atcute/crypto';
import type { Did } from '@atcute/lexicons/syntax';
import type { CommitEvent } from './events.ts';
import type { DidDocuments } from '../identity/cached-did-resolver.ts';
import { commitFailure } from './verify-commit.ts';

export type Verdict = { proven: boolean } | { failure: string } | { unverifiable: string };

/** Judges the commits of a batch the index would act on (and only those), in order. */
export type Authenticator = (events: CommitEvent[]) => Promise<Verdict[]>;

/** A repo's own PDS, read directly (backfill, proofs), speaks for that repo. */
export const trustedSource: Authenticator = async (events) => events.map(() => ({ proven: true }));

/** Jetstream: nothing to verify, so nothing it says can widen what is shown until proven. */
export const unprovenSource: Authenticator = async (events) => events.map(() => ({ proven: false }));

/**
 * A repo firehose. Following one PDS (`hostUrl` set), only repos whose DID document names that PDS
 * are taken; following a relay, any repo, since each commit's signature is checked either way. The
 * batch's DID documents are resolved together (see CachedDidResolver.resolveMany).
 */
export function signedCommits(dids: DidDocuments, hostUrl?: string): Authenticator {
	const verdict = async (event: CommitEvent, document: DidDocument | Error | undefined): Promise<Verdict> => {
		try {
			// An identity that cannot be resolved cannot be checked: the commit is unverifiable (fail closed).
			if (!document || document instanceof Error) throw document ?? new Error('no document');
			let failure = await judge(event, document, hostUrl);
			// A bad signature may be a key rotated since the document was cached: ask once more, fresh.
			if (failure === 'bad commit signature') failure = await judge(event, await dids.resolve(event.did as Did, { noCache: true }), hostUrl);
			return failure ? { failure } : { proven: true };
		} catch (error) {
			return { unverifiable: `cannot resolve ${event.did}: ${error instanceof Error ? error.message : String(error)}` };
		}
	};
	return async (events) => {
		const documents = await dids.resolveMany([...new Set(events.map((event) => event.did as Did))]);
		return Promise.all(events.map((event) => verdict(event, documents.get(event.did as Did))));
	};
}

async function judge(event: CommitEvent, document: DidDocument, hostUrl: string | undefined): Promise<string | undefined> {
	const pds = getPdsEndpoint(document);
	if (hostUrl !== undefined && (!pds || new URL(pds).host !== new URL(hostUrl).host)) {
		return `${event.did} is hosted at ${pds ?? 'no PDS'}, not by the PDS this stream comes from`;
	}
	const key = signingKey(document);
	return key ? commitFailure(event, key) : `${event.did} has no #atproto signing key`;
}

export function signingKey(document: DidDocument): FoundPublicKey | undefined {
	const material = getAtprotoVerificationMaterial(document);
	if (!material) return undefined;
	try {
		return getPublicKeyFromDidController(material);
	} catch {
		return undefined;
	}
}
