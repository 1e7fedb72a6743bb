// Notices that are not about someone else's record: a consent about to expire, told to its owner
// as it is indexed or as time brings it near (the Ingester's sweep), and gone once renewed or withdrawn.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { applyEvents } from '../../../worker/ingest/apply.ts';
import type { RecordOp } from '../../../worker/ingest/events.ts';
import { CONSENT_NOTICE_MS, expiringConsentNotices } from '../../../worker/ingest/notify.ts';
import { notificationPage, unreadCount } from '../../../worker/views/notifications.ts';
import { newDid, seedActor, seedConsent } from '../index-fixtures.ts';

const DAY = 24 * 3_600_000;
let revs = 0;
const rev = () => `3knotice${(revs++).toString(36).padStart(6, '2')}`;
const inDays = (days: number) => new Date(Date.now() + days * DAY).toISOString();

/** Writes (or, with no expiry given as null, withdraws) `did`'s consent through the index's own path. */
async function consent(did: string, expiresAt: string | undefined | null): Promise<void> {
	const uri = `at://${did}/video.dreamreel.consent/self`;
	const op: RecordOp =
		expiresAt === null
			? { action: 'delete', uri, collection: 'video.dreamreel.consent', rkey: 'self' }
			: {
					action: 'update',
					uri,
					collection: 'video.dreamreel.consent',
					rkey: 'self',
					cid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
					record: { $type: 'video.dreamreel.consent', audience: 'everyone', ...(expiresAt ? { expiresAt } : {}), createdAt: new Date().toISOString() },
				};
	await applyEvents(env.DB, [{ kind: 'commit', cursor: 1, did, rev: rev(), ops: [op] }]);
}

const notices = async (did: string) =>
	(await notificationPage(env.DB, did, 20)).map((row) => ({ reason: row.reason, uri: row.uri, author: row.did, detail: JSON.parse(row.detail ?? 'null') as unknown }));

describe('consent expiring soon', () => {
	it('is told to its owner once, as the consent is indexed, and not for one expiring later', async () => {
		const [soon, later] = [newDid(), newDid()];
		const expiresAt = inDays(2);
		await consent(soon, expiresAt);
		await consent(later, inDays(30));
		await expiringConsentNotices(env.DB, new Date().toISOString()).run();
		expect(await notices(soon)).toEqual([
			{ reason: 'consentExpiring', uri: `at://${soon}/video.dreamreel.consent/self`, author: soon, detail: { expiresAt } },
		]);
		expect(await unreadCount(env.DB, soon)).toBe(1);
		expect(await notices(later)).toEqual([]);
	});

	it('the sweep tells the owners of consents that time brought within the notice period, once', async () => {
		const owner = newDid();
		await seedActor(owner, 'sweep.test');
		const expiresAt = inDays(10);
		await seedConsent(owner, 'everyone', { expiresAt });
		await expiringConsentNotices(env.DB, new Date().toISOString()).run();
		expect(await notices(owner)).toEqual([]);
		// A week on.
		const later = new Date(Date.parse(expiresAt) - CONSENT_NOTICE_MS + 60_000).toISOString();
		await expiringConsentNotices(env.DB, later).run();
		await expiringConsentNotices(env.DB, later).run();
		expect((await notices(owner)).map((n) => n.reason)).toEqual(['consentExpiring']);
	});

	it('a renewed consent takes the notice away, and a withdrawn one too', async () => {
		const [renewed, withdrawn] = [newDid(), newDid()];
		for (const did of [renewed, withdrawn]) await consent(did, inDays(1));
		expect(await notices(renewed)).toHaveLength(1);
		await consent(renewed, inDays(60));
		expect(await notices(renewed)).toEqual([]);
		// Renewed again for a short while: a new countdown, a new notice.
		await consent(renewed, inDays(2));
		expect(await notices(renewed)).toHaveLength(1);
		await consent(withdrawn, null);
		expect(await notices(withdrawn)).toEqual([]);
	});

	it('a notice whose consent changed behind it (written by any path) is not shown', async () => {
		const owner = newDid();
		await consent(owner, inDays(1));
		expect(await notices(owner)).toHaveLength(1);
		await seedConsent(owner, 'everyone', { expiresAt: inDays(90) });
		expect(await notices(owner)).toEqual([]);
		expect(await unreadCount(env.DB, owner)).toBe(0);
	});
});
