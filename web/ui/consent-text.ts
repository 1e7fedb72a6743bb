import { recordOf, type CameoClip, type ClipView, type ConsentAnswer, type ConsentRecord } from '../lib/types.ts';

/** Why the signed-in user may or may not feature someone, in words, from `getConsent`. */
export function consentReason(answer: ConsentAnswer, viewerDid: string | undefined): string {
	const { consent, allowsViewer, actor } = answer;
	if (actor.did === viewerDid) return 'You';
	if (!consent) return 'Has not given consent to appear in clips';
	if (consent.expiresAt && Date.parse(consent.expiresAt) <= Date.now()) return `Their consent expired on ${new Date(consent.expiresAt).toLocaleDateString()}`;
	if (allowsViewer) {
		const until = consent.expiresAt ? ` until ${new Date(consent.expiresAt).toLocaleDateString()}` : '';
		return `Allows you${until}${consent.restrictions ? ` — “${consent.restrictions}”` : ''}`;
	}
	switch (consent.audience) {
		case 'self':
			return 'Allows nobody but themselves';
		case 'listed':
			return 'Allows only the people they listed';
		case 'mutuals':
			return 'Allows only mutual follows';
		case 'followers':
			return 'Allows only people who follow them';
		default:
			return 'Does not allow you';
	}
}

/** Why a clip featuring the user is hidden from everyone, in words, from `getCameoClips`' reason. */
export function hiddenText(item: CameoClip, mine: ConsentRecord | undefined): string {
	const author = `@${item.clip.author.handle}`;
	switch (item.reason) {
		case 'authorInactive':
			return `${author}’s account is not active (taken down or deactivated)`;
		case 'noConsent':
			return 'You have not given consent to be featured';
		case 'expired':
			return 'Your consent has expired';
		case 'audience':
			return `Your consent does not include ${author}`;
		case 'otherCameo':
			return `Someone else in it has not consented to ${author} featuring them`;
		case 'brokenChain':
			return 'It is a remix whose chain cannot be followed back to its original';
		case 'remixNotAllowed':
			return `It remixes a clip whose remix policy, or that of a clip up its chain, does not allow ${author}`;
		case 'remixConsent':
			return mine?.allowRemix === false
				? 'It remixes a clip featuring someone who does not allow remixes (you do not)'
				: 'It remixes a clip featuring someone whose consent does not cover its author or remixes';
		default:
			return 'It breaks one of the network’s consent rules';
	}
}

const POLICY_WHO: Record<string, string> = { followers: 'their followers', mutuals: 'mutual follows' };

/**
 * Why the signed-in user may not remix a clip (`viewer.canRemix` is false). The AppView says only
 * yes or no; the record tells which of its rules can be the cause.
 */
export function remixRefusal(clip: ClipView, viewerDid: string | undefined): string {
	const record = recordOf(clip);
	const author = `@${clip.author.handle}`;
	const policy = clip.author.did === viewerDid ? 'everyone' : (record.remixPolicy ?? 'everyone');
	const featured = (record.cameos ?? []).some((did) => did !== viewerDid);
	if (policy === 'none') return `${author} does not allow remixes of this clip`;
	const who = POLICY_WHO[policy];
	if (who) return `${author} allows remixes only from ${who}${featured ? ', and someone featured may not have let you remix them' : ''}`;
	return 'Someone featured in this clip has not let you remix them';
}
