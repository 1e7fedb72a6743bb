import { CLIP, REMIX } from '../nsid.ts';
import { own } from '../own.ts';

/**
 * Real URLs for what people share: a clip `/c/<did>/<rkey>`, a remix `/r/<did>/<rkey>`, either's
 * lineage with `/lineage` after it, a profile `/@<handle or did>`, a tag `/tag/<tag>`. The worker serves them with link
 * preview tags; the web client maps them onto its hash routes. Shared by both, so they agree.
 */
export type PagePath = { kind: 'clip' | 'lineage'; uri: string } | { kind: 'profile'; actor: string } | { kind: 'tag'; tag: string };

const PREFIX: Record<string, typeof CLIP | typeof REMIX> = { c: CLIP, r: REMIX };
const DID = /^did:[a-z]+:[a-zA-Z0-9._:%-]{1,2000}$/;
const RKEY = /^[a-zA-Z0-9._:~-]{1,512}$/;
const ACTOR = /^[a-zA-Z0-9.:_%-]{1,2048}$/;
/** Tags as the index keeps them (worker/facets.ts: lower-cased, no `#`); any letters, not spaces. */
const TAG = /^[^\s#/]{1,64}$/u;

/** The path of a clip's (or remix's) page, from its AT-URI; undefined for other records. */
export function clipPath(uri: string, lineage = false): string | undefined {
	const [, , did, collection, rkey] = uri.split('/');
	const prefix = collection === CLIP ? 'c' : collection === REMIX ? 'r' : undefined;
	return prefix && did && rkey ? `/${prefix}/${did}/${rkey}${lineage ? '/lineage' : ''}` : undefined;
}

export function profilePath(actor: string): string {
	return `/@${actor}`;
}

export function tagPath(tag: string): string {
	return `/tag/${encodeURIComponent(tag)}`;
}

/** What a page path names, or undefined: anything malformed is simply not a page. */
export function parsePagePath(pathname: string): PagePath | undefined {
	let path: string;
	try {
		path = decodeURIComponent(pathname);
	} catch {
		return undefined;
	}
	if (path.startsWith('/@')) {
		const actor = path.slice(2).replace(/\/$/, '');
		return ACTOR.test(actor) ? { kind: 'profile', actor } : undefined;
	}
	if (path.startsWith('/tag/')) {
		const tag = path.slice('/tag/'.length).replace(/\/$/, '');
		return TAG.test(tag) ? { kind: 'tag', tag } : undefined;
	}
	const [, prefix = '', did = '', rkey = '', tail, ...rest] = path.split('/');
	const collection = own(PREFIX, prefix);
	if (!collection || !DID.test(did) || !RKEY.test(rkey) || rest.length > 0 || (tail !== undefined && tail !== 'lineage')) return undefined;
	return { kind: tail ? 'lineage' : 'clip', uri: `at://${did}/${collection}/${rkey}` };
}
