import type { Api } from '../lib/api.ts';

const handles = new Map<string, Promise<string>>();

/** A DID's handle as the AppView knows it (getConsent names the actor); the DID itself otherwise. */
export function handleFor(api: Api, did: string): Promise<string> {
	let found = handles.get(did);
	if (!found) {
		found = api.consent(did).then(
			(answer) => (answer.actor.handle === 'handle.invalid' ? did : answer.actor.handle),
			() => did,
		);
		handles.set(did, found);
	}
	return found;
}
