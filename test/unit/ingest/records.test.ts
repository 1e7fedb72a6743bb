import { describe, expect, it } from 'vitest';
import { MAX_RECORD_CHARS, validateRecord, type IndexedCollection } from '../../../worker/ingest/records.ts';
import { canonicalReferences, referencedHandles } from '../../../worker/ingest/references.ts';

const blob = (mimeType = 'video/mp4', size = 120_000) => ({
	$type: 'blob',
	ref: { $link: 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy' },
	mimeType,
	size,
});
const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz';
const ref = { uri: `at://${did}/video.dreamreel.clip/3kabcdefghi2a`, cid: 'bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a' };
const clip = {
	$type: 'video.dreamreel.clip',
	video: blob(),
	prompt: 'a paper boat sailing through a neon city',
	generator: { provider: 'demo', model: 'demo-titlecard-1' },
	durationMs: 3000,
	aspectRatio: { width: 9, height: 16 },
	cameos: [did],
	remixPolicy: 'everyone',
	labels: { $type: 'com.atproto.label.defs#selfLabels', values: [{ val: 'ai-generated' }] },
	langs: ['en'],
	tags: ['boats'],
	createdAt: '2026-11-25T07:00:00.000Z',
};
const remix = { ...clip, $type: 'video.dreamreel.remix', parent: ref, root: ref };
const consent = { $type: 'video.dreamreel.consent', audience: 'listed', allowed: [did], allowRemix: true, createdAt: clip.createdAt };

const reason = (collection: Parameters<typeof validateRecord>[0], record: unknown) => {
	const result = validateRecord(collection, record);
	return result.ok ? 'valid' : result.reason;
};

describe('clip records', () => {
	it('accepts a full AI-generated clip', () => expect(reason('video.dreamreel.clip', clip)).toBe('valid'));
	it('accepts a recorded clip without a prompt', () => {
		const { prompt: _, generator: __, ...recorded } = clip;
		expect(reason('video.dreamreel.clip', recorded)).toBe('valid');
	});
	it('refuses a missing createdAt', () => {
		const { createdAt: _, ...record } = clip;
		expect(reason('video.dreamreel.clip', record)).toMatch(/createdAt/);
	});
	it('refuses a missing video', () => {
		const { video: _, ...record } = clip;
		expect(reason('video.dreamreel.clip', record)).toMatch(/video/);
	});
	it('refuses a video that is not mp4', () => {
		expect(reason('video.dreamreel.clip', { ...clip, video: blob('video/webm') })).toMatch(/video.*mime|mime.*video/i);
	});
	it('refuses a video over 100 MB', () => {
		expect(reason('video.dreamreel.clip', { ...clip, video: blob('video/mp4', 100_000_001) })).toMatch(/video/);
	});
	it('refuses a prompt over 2000 graphemes', () => {
		expect(reason('video.dreamreel.clip', { ...clip, prompt: 'x'.repeat(2001) })).toMatch(/prompt/);
	});
	it('refuses a cameo that is not a DID', () => {
		expect(reason('video.dreamreel.clip', { ...clip, cameos: ['bob.test'] })).toMatch(/cameos/);
	});
	it('refuses an unknown remix policy', () => {
		expect(reason('video.dreamreel.clip', { ...clip, remixPolicy: 'friends' })).toMatch(/remixPolicy/);
	});
	it('refuses a record whose $type names another collection', () => {
		expect(reason('video.dreamreel.clip', { ...clip, $type: 'video.dreamreel.remix' })).toMatch(/\$type/);
	});
});

describe('remix records', () => {
	it('accepts a remix with parent and root', () => expect(reason('video.dreamreel.remix', remix)).toBe('valid'));
	it('refuses a remix without a root', () => {
		const { root: _, ...record } = remix;
		expect(reason('video.dreamreel.remix', record)).toMatch(/root/);
	});
	it('refuses a parent that is not a strong ref', () => {
		expect(reason('video.dreamreel.remix', { ...remix, parent: { uri: ref.uri } })).toMatch(/parent/);
	});
});

describe('consent records', () => {
	it('accepts a listed grant', () => expect(reason('video.dreamreel.consent', consent)).toBe('valid'));
	it('refuses an unknown audience', () => {
		expect(reason('video.dreamreel.consent', { ...consent, audience: 'friends' })).toMatch(/audience/);
	});
	it('refuses a bad DID in allowed', () => {
		expect(reason('video.dreamreel.consent', { ...consent, allowed: ['not a did'] })).toMatch(/allowed/);
	});
	it('refuses a bad expiry', () => {
		expect(reason('video.dreamreel.consent', { ...consent, expiresAt: 'tomorrow' })).toMatch(/expiresAt/);
	});
});

describe('declared fields only', () => {
	const kept = <C extends IndexedCollection>(collection: C, record: unknown) => {
		const result = validateRecord(collection, record);
		if (!result.ok) throw new Error(result.reason);
		return result.record;
	};

	it('drops fields no lexicon declares, at every depth, and keeps every declared one', () => {
		const padded = {
			...remix,
			junk: 'x'.repeat(1000),
			generator: { ...clip.generator, junk: 1 },
			parent: { ...ref, junk: 1 },
			labels: { ...clip.labels, values: [{ val: 'ai-generated', junk: 1 }] },
		};
		expect(kept('video.dreamreel.remix', padded)).toEqual(remix);
	});

	it('keeps only the $type of an open union member it does not know', () => {
		const record = kept('video.dreamreel.clip', { ...clip, labels: { $type: 'com.example.labels', secret: 'x' } });
		expect(record).toMatchObject({ labels: { $type: 'com.example.labels' } });
		expect(record).not.toHaveProperty('labels.secret');
	});

	it(`refuses a record over ${MAX_RECORD_CHARS} characters of JSON, declared or not`, () => {
		expect(reason('video.dreamreel.clip', { ...clip, junk: 'x'.repeat(MAX_RECORD_CHARS) })).toMatch(/^record too large/);
	});
});

describe('references in one form', () => {
	const handles = new Map([['alice.test', did]]);
	const like = (uri: string) => ({ $type: 'video.dreamreel.like', subject: { uri, cid: ref.cid }, createdAt: clip.createdAt });
	const subject = (uri: string) => (canonicalReferences('video.dreamreel.like', like(uri), handles).subject as { uri: string }).uri;

	it('names the DID for a handle, whatever its case', () => {
		expect(subject('at://alice.test/video.dreamreel.clip/3kabcdefghi2a')).toBe(ref.uri);
		expect(subject('at://ALICE.Test/video.dreamreel.clip/3kabcdefghi2a')).toBe(ref.uri);
		expect(referencedHandles('video.dreamreel.like', like('at://ALICE.test/video.dreamreel.clip/x'))).toEqual(['alice.test']);
	});

	it('leaves what it cannot resolve as written, so it matches nothing', () => {
		expect(subject('at://bob.test/video.dreamreel.clip/3kabcdefghi2a')).toBe('at://bob.test/video.dreamreel.clip/3kabcdefghi2a');
		expect(subject(`at://${did}`)).toBe(`at://${did}`);
	});

	it('rewrites every reference of a comment reply and a remix', () => {
		const handleRef = { uri: 'at://alice.test/video.dreamreel.clip/3kabcdefghi2a', cid: ref.cid };
		const comment = { $type: 'video.dreamreel.comment', subject: handleRef, reply: { root: handleRef, parent: handleRef }, text: 'hi', createdAt: clip.createdAt };
		expect(canonicalReferences('video.dreamreel.comment', comment, handles)).toEqual({ ...comment, subject: ref, reply: { root: ref, parent: ref } });
		expect(canonicalReferences('video.dreamreel.remix', { ...remix, parent: handleRef, root: handleRef }, handles)).toEqual(remix);
	});
});
