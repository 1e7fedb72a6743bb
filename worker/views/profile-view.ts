import type { $type } from '@atcute/lexicons';
import type { VideoDreamreelDefs } from '../lexicons/index.ts';
import { labelViews } from './labels-view.ts';

type ProfileViewBasic = VideoDreamreelDefs.ProfileViewBasic;

/** The account columns every view joins in. */
export interface AuthorColumns {
	did: string;
	handle: string | null;
	display_name: string | null;
	avatar_cid?: string | null;
	pds?: string | null;
	/** The account's labels, as `labelsOn` gathers them. */
	author_labels?: string | null;
}

/** An author as views show them; a handle not (yet) verified both ways is `handle.invalid`. */
export function profileView(row: AuthorColumns): $type.enforce<ProfileViewBasic> {
	const labels = labelViews(row.author_labels);
	return {
		$type: 'video.dreamreel.defs#profileViewBasic',
		did: row.did as ProfileViewBasic['did'],
		handle: (row.handle ?? 'handle.invalid') as ProfileViewBasic['handle'],
		...(row.display_name ? { displayName: row.display_name } : {}),
		...(row.avatar_cid && row.pds ? { avatar: blobUrl(row.pds, row.did, row.avatar_cid) } : {}),
		...(labels.length > 0 ? { labels } : {}),
	};
}

/** The canonical location of a blob: `com.atproto.sync.getBlob` on the owner's PDS. */
export function blobUrl(pds: string, did: string, cid: string): `${string}:${string}` {
	const url = new URL('/xrpc/com.atproto.sync.getBlob', pds);
	url.searchParams.set('did', did);
	url.searchParams.set('cid', cid);
	return url.href as `${string}:${string}`;
}
