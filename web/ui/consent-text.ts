import type { ConsentAnswer } from '../lib/types.ts';

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
