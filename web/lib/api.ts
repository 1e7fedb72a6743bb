import type { AppConfig } from './config.ts';
import { COMMENT, CONSENT, FOLLOW, LIKE, PROFILE, type StrongRef } from '../../worker/nsid.ts';
import { ClientResponseError } from '@atcute/client';
import { callXrpc, publicClient, type Params, type Session } from './session.ts';
import type { ActorList, CameoClipPage, ClipPage, ClipView, CommentPage, ConsentAnswer, ConsentRecord, GenerateInput, JobView, Lineage, LikenessState, LikenessView, NotificationPage } from './types.ts';
import type { XRPCQueries } from '@atcute/lexicons/ambient';

/**
 * Dreamreel's XRPC methods and the records the client writes. Signed in, reads go through the
 * user's PDS (personalised, and the PDS vouches for who is asking); signed out, straight to the
 * AppView on this origin. Records are written to the user's own repo on their PDS.
 */
export class Api {
	readonly #appview: ReturnType<typeof publicClient>;

	constructor(
		readonly config: AppConfig,
		readonly session: Session | undefined,
	) {
		this.#appview = publicClient(config.appUrl);
	}

	#query<T>(nsid: keyof XRPCQueries, params: Params = {}): Promise<T> {
		return this.session ? this.session.appview<T>('GET', nsid, { params }) : callXrpc<T>(this.#appview, 'GET', nsid, { params });
	}

	#signedIn(): Session {
		if (!this.session) throw new ClientResponseError({ status: 401, data: { error: 'AuthMissing', message: 'sign in first' } });
		return this.session;
	}

	forYou(cursor?: string): Promise<ClipPage> {
		return this.#query('video.dreamreel.getForYou', { limit: 10, cursor });
	}

	timeline(cursor?: string): Promise<ClipPage> {
		this.#signedIn();
		return this.#query('video.dreamreel.getTimeline', { limit: 10, cursor });
	}

	authorFeed(actor: string, filter: 'all' | 'clips' | 'remixes', cursor?: string): Promise<ClipPage> {
		return this.#query('video.dreamreel.getAuthorFeed', { actor, filter, limit: 30, cursor });
	}

	async clip(uri: string): Promise<ClipView> {
		return (await this.#query<{ clip: ClipView }>('video.dreamreel.getClip', { uri })).clip;
	}

	async clips(uris: string[]): Promise<ClipView[]> {
		if (uris.length === 0) return [];
		return (await this.#query<{ clips: ClipView[] }>('video.dreamreel.getClips', { uris: uris.slice(0, 25) })).clips;
	}

	lineage(uri: string): Promise<Lineage> {
		return this.#query('video.dreamreel.getLineage', { uri, depth: 6 });
	}

	remixes(uri: string, cursor?: string): Promise<ClipPage> {
		return this.#query('video.dreamreel.getRemixes', { uri, limit: 10, cursor });
	}

	comments(uri: string, cursor?: string): Promise<CommentPage> {
		return this.#query('video.dreamreel.getComments', { uri, limit: 50, cursor });
	}

	consent(actor: string): Promise<ConsentAnswer> {
		return this.#query('video.dreamreel.getConsent', { actor });
	}

	/** Every clip featuring the signed-in user, hidden ones too, each with why it is hidden. */
	cameoClips(cursor?: string): Promise<CameoClipPage> {
		this.#signedIn();
		return this.#query('video.dreamreel.getCameoClips', { limit: 24, cursor });
	}

	/** Clips by text, or by tag (`#` optional), newest first. */
	searchClips(search: { q?: string; tag?: string }, cursor?: string): Promise<ClipPage> {
		return this.#query('video.dreamreel.searchClips', { ...search, limit: 24, cursor });
	}

	/** Typeahead: accounts by handle or display-name prefix. */
	searchActors(q: string): Promise<ActorList> {
		return this.#query('video.dreamreel.searchActors', { q, limit: 8 });
	}

	notifications(cursor?: string): Promise<NotificationPage> {
		this.#signedIn();
		return this.#query('video.dreamreel.listNotifications', { limit: 30, cursor });
	}

	async unreadCount(): Promise<number> {
		this.#signedIn();
		return (await this.#query<{ count: number }>('video.dreamreel.getUnreadCount')).count;
	}

	async updateSeen(seenAt: string): Promise<void> {
		await this.#signedIn().appview('POST', 'video.dreamreel.updateSeen', { input: { seenAt } });
	}

	async generate(input: GenerateInput): Promise<JobView> {
		return (await this.#signedIn().appview<{ job: JobView }>('POST', 'video.dreamreel.generate', { input })).job;
	}

	async job(id: string): Promise<JobView> {
		return (await this.#signedIn().appview<{ job: JobView }>('GET', 'video.dreamreel.getJob', { params: { id } })).job;
	}

	/** Reports a clip, comment or account to the service's moderators (`com.atproto.moderation.createReport`). */
	async report(subject: ReportSubject, reasonType: string, reason?: string): Promise<void> {
		const target = 'did' in subject ? { $type: 'com.atproto.admin.defs#repoRef', ...subject } : { $type: 'com.atproto.repo.strongRef', ...subject };
		await this.#signedIn().appview('POST', 'com.atproto.moderation.createReport', { input: { reasonType, subject: target, ...(reason ? { reason } : {}) } });
	}

	async cancelJob(id: string): Promise<JobView> {
		return (await this.#signedIn().appview<{ job: JobView }>('POST', 'video.dreamreel.cancelJob', { input: { id } })).job;
	}

	/** The user's jobs of the retention window, newest first: their drafts. */
	jobs(cursor?: string): Promise<{ jobs: JobView[]; cursor?: string }> {
		return this.#signedIn().appview('GET', 'video.dreamreel.listJobs', { params: { limit: 20, cursor } });
	}

	/** Takes a job off the drafts (published, or not wanted); a running one is cancelled. */
	async dismissJob(id: string): Promise<JobView> {
		return (await this.#signedIn().appview<{ job: JobView }>('POST', 'video.dreamreel.dismissJob', { input: { id } })).job;
	}

	// --- records in the user's own repo ----------------------------------------------------------

	like(subject: StrongRef): Promise<StrongRef> {
		return this.#create(LIKE, { $type: LIKE, subject: { uri: subject.uri, cid: subject.cid }, createdAt: now() });
	}

	comment(subject: StrongRef, text: string): Promise<StrongRef> {
		return this.#create(COMMENT, { $type: COMMENT, subject: { uri: subject.uri, cid: subject.cid }, text, createdAt: now() });
	}

	follow(did: string): Promise<StrongRef> {
		return this.#create(FOLLOW, { $type: FOLLOW, subject: did, createdAt: now() });
	}

	/** Deletes one of the user's records by its AT-URI (an unlike, an unfollow). */
	async deleteRecord(uri: string): Promise<void> {
		const session = this.#signedIn();
		const [, , repo, collection, rkey] = uri.split('/');
		if (repo !== session.did || !collection || !rkey) throw new Error(`not a record of yours: ${uri}`);
		await session.call('POST', 'com.atproto.repo.deleteRecord', { input: { repo, collection, rkey } });
	}

	/** The user's follow of `did`, read from their own repo (the source of truth, not the index). */
	async findFollow(did: string): Promise<string | undefined> {
		const session = this.#signedIn();
		let cursor: string | undefined;
		for (let page = 0; page < 20; page++) {
			const { records, cursor: next } = await session.call<{ records: { uri: string; value: { subject?: unknown } }[]; cursor?: string }>(
				'GET',
				'com.atproto.repo.listRecords',
				{ params: { repo: session.did, collection: FOLLOW, limit: 100, cursor } },
			);
			const found = records.find((record) => record.value.subject === did);
			if (found) return found.uri;
			if (!next || records.length === 0) return undefined;
			cursor = next;
		}
		return undefined;
	}

	/** DIDs the user follows, for the cameo picker's suggestions. */
	async follows(limit = 50): Promise<string[]> {
		const session = this.#signedIn();
		const { records } = await session.call<{ records: { value: { subject?: unknown } }[] }>('GET', 'com.atproto.repo.listRecords', {
			params: { repo: session.did, collection: FOLLOW, limit },
		});
		return records.flatMap((record) => (typeof record.value.subject === 'string' ? [record.value.subject] : []));
	}

	/** The user's consent record (rkey `self`), from their repo; undefined when there is none. */
	async myConsent(): Promise<ConsentRecord | undefined> {
		const session = this.#signedIn();
		try {
			const { value } = await session.call<{ value: ConsentRecord }>('GET', 'com.atproto.repo.getRecord', {
				params: { repo: session.did, collection: CONSENT, rkey: 'self' },
			});
			return value;
		} catch (error) {
			if (error instanceof ClientResponseError && error.error === 'RecordNotFound') return undefined;
			throw error;
		}
	}

	/** Writes the consent record; its new CID, to tell when the index has it. */
	async putConsent(record: Omit<ConsentRecord, '$type' | 'createdAt'>): Promise<string> {
		const session = this.#signedIn();
		const value: ConsentRecord = { ...record, $type: CONSENT, createdAt: now() as ConsentRecord['createdAt'] };
		const written = await session.call<StrongRef>('POST', 'com.atproto.repo.putRecord', { input: { repo: session.did, collection: CONSENT, rkey: 'self', record: value } });
		return written.cid;
	}

	/** Revokes: deleting the record is the revocation the index honours. */
	async revokeConsent(): Promise<void> {
		const session = this.#signedIn();
		await session.call('POST', 'com.atproto.repo.deleteRecord', { input: { repo: session.did, collection: CONSENT, rkey: 'self' } });
	}

	/** The user's stored likeness (kept by the AppView, never in their repo) and the unfinished jobs using it. */
	likeness(): Promise<LikenessState> {
		return this.#signedIn().appview('GET', 'video.dreamreel.getLikeness');
	}

	/** Stores 1 to 4 photos, in order, as the user's likeness, replacing any earlier set. */
	async putLikeness(photos: Blob[]): Promise<LikenessView> {
		const form = new FormData();
		for (const photo of photos) form.append('image', photo);
		// Encoded here, as the client sends only a Blob as-is; its type is set as a header, since a
		// Blob's type is lowercased and the boundary is case-sensitive.
		const encoded = new Response(form);
		const input = new Blob([await encoded.arrayBuffer()]);
		const headers = { 'content-type': encoded.headers.get('content-type')! };
		return (await this.#signedIn().appview<{ likeness: LikenessView }>('POST', 'video.dreamreel.putLikeness', { input, headers })).likeness;
	}

	/** Stored photo `index` itself, the bytes its CID names. */
	exportLikeness(index: number): Promise<Blob> {
		return this.#signedIn().appview('GET', 'video.dreamreel.exportLikeness', { params: { index }, as: 'blob' });
	}

	/** Deletes the stored photo; how many unfinished jobs using it were stopped. */
	async deleteLikeness(): Promise<number> {
		return (await this.#signedIn().appview<{ stoppedJobs: number }>('POST', 'video.dreamreel.deleteLikeness')).stoppedJobs;
	}

	/** The user's `app.bsky.actor.profile` (shared with Bluesky), from their repo; empty when they have none. */
	async myProfile(): Promise<ProfileRecord> {
		const session = this.#signedIn();
		try {
			const { value } = await session.call<{ value: ProfileRecord }>('GET', 'com.atproto.repo.getRecord', { params: { repo: session.did, collection: PROFILE, rkey: 'self' } });
			return value;
		} catch (error) {
			if (error instanceof ClientResponseError && error.error === 'RecordNotFound') return {};
			throw error;
		}
	}

	/**
	 * Edits the profile's name, description and (given an image) avatar, keeping every other field
	 * Bluesky or another app put there (banner, pinned post, …).
	 */
	async editProfile(edit: { displayName: string; description: string; avatar?: Blob }): Promise<void> {
		const session = this.#signedIn();
		const { displayName: _name, description: _description, ...rest } = await this.myProfile();
		const avatar = edit.avatar && (await session.call<{ blob: unknown }>('POST', 'com.atproto.repo.uploadBlob', { input: edit.avatar })).blob;
		const record = {
			...rest,
			$type: PROFILE,
			...(edit.displayName ? { displayName: edit.displayName } : {}),
			...(edit.description ? { description: edit.description } : {}),
			...(avatar ? { avatar } : {}),
		};
		await session.call('POST', 'com.atproto.repo.putRecord', { input: { repo: session.did, collection: PROFILE, rkey: 'self', record } });
	}

	async #create(collection: string, record: Record<string, unknown>): Promise<StrongRef> {
		const session = this.#signedIn();
		return session.call<StrongRef>('POST', 'com.atproto.repo.createRecord', { input: { repo: session.did, collection, record } });
	}
}

/** An `app.bsky.actor.profile` record as the client handles it: the fields it edits, the rest kept as is. */
export type ProfileRecord = { displayName?: string; description?: string; avatar?: unknown } & Record<string, unknown>;

/** What can be reported: a record (clip, remix, comment) or an account. */
export type ReportSubject = StrongRef | { did: string };

function now(): string {
	return new Date().toISOString();
}
