import type { $type } from '@atcute/lexicons';
import type { VideoDreamreelDefs } from '../lexicons/index.ts';
import type { ClipRow } from './clip-rows.ts';
import { clipView } from './clip-view.ts';

/** Deeper chains than this are cut: a lineage is for people to read, not a crawl. */
export const MAX_ANCESTORS = 100;

/** From the root down to the clip's parent; a link the index lacks (deleted, hidden) is a notFoundClip. */
type Ancestor = $type.enforce<VideoDreamreelDefs.ClipView> | $type.enforce<VideoDreamreelDefs.NotFoundClip>;

export function ancestorsOf(clip: ClipRow, family: Map<string, ClipRow>): Ancestor[] {
	const chain: Ancestor[] = [];
	const seen = new Set([clip.uri]);
	let parent = clip.parent_uri;
	while (parent && !seen.has(parent) && chain.length < MAX_ANCESTORS) {
		seen.add(parent);
		const row = family.get(parent);
		if (!row) {
			chain.push({ $type: 'video.dreamreel.defs#notFoundClip', uri: parent as VideoDreamreelDefs.NotFoundClip['uri'], notFound: true });
			break;
		}
		chain.push(clipView(row));
		parent = row.parent_uri;
	}
	return chain.reverse();
}

/** The remix tree under `uri`, `depth` levels deep. */
export function descendantsOf(uri: string, family: ClipRow[], depth: number): VideoDreamreelDefs.LineageNode[] {
	const children = new Map<string, ClipRow[]>();
	for (const row of family) {
		if (!row.parent_uri) continue;
		children.set(row.parent_uri, [...(children.get(row.parent_uri) ?? []), row]);
	}
	const build = (parent: string, level: number, path: Set<string>): VideoDreamreelDefs.LineageNode[] =>
		(children.get(parent) ?? [])
			.filter((row) => !path.has(row.uri))
			.map((row) => {
				const below = children.get(row.uri)?.length ?? 0;
				const node: VideoDreamreelDefs.LineageNode = {
					$type: 'video.dreamreel.defs#lineageNode',
					clip: clipView(row),
					children: level < depth ? build(row.uri, level + 1, new Set([...path, row.uri])) : [],
				};
				return level >= depth && below > 0 ? { ...node, truncated: true } : node;
			});
	return build(uri, 1, new Set([uri]));
}
