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

/**
 * A tree is for people to read: at most this many remixes under one clip and in all. A popular clip
 * has thousands, and every call would otherwise build (and send) all of them.
 */
export const MAX_CHILDREN_SHOWN = 50;
export const MAX_DESCENDANTS_SHOWN = 200;

/** The remix tree under `uri`, `depth` levels deep; a node whose remixes are not all shown is `truncated`. */
export function descendantsOf(uri: string, family: ClipRow[], depth: number): VideoDreamreelDefs.LineageNode[] {
	const children = new Map<string, ClipRow[]>();
	for (const row of family) {
		if (!row.parent_uri) continue;
		children.set(row.parent_uri, [...(children.get(row.parent_uri) ?? []), row]);
	}
	let budget = MAX_DESCENDANTS_SHOWN;
	// Breadth first, so the budget goes to the levels nearest the clip.
	const roots: VideoDreamreelDefs.LineageNode[] = [];
	const queue: { parent: string; level: number; into: VideoDreamreelDefs.LineageNode[]; node?: VideoDreamreelDefs.LineageNode; path: Set<string> }[] = [
		{ parent: uri, level: 1, into: roots, path: new Set([uri]) },
	];
	for (let next = queue.shift(); next; next = queue.shift()) {
		const rows = (children.get(next.parent) ?? []).filter((row) => !next.path.has(row.uri));
		const shown = rows.slice(0, Math.min(MAX_CHILDREN_SHOWN, budget));
		budget -= shown.length;
		if (next.node && shown.length < rows.length) next.node.truncated = true;
		for (const row of shown) {
			const node: VideoDreamreelDefs.LineageNode = { $type: 'video.dreamreel.defs#lineageNode', clip: clipView(row), children: [] };
			next.into.push(node);
			const below = children.get(row.uri)?.length ?? 0;
			if (next.level < depth) queue.push({ parent: row.uri, level: next.level + 1, into: node.children, node, path: new Set([...next.path, row.uri]) });
			else if (below > 0) node.truncated = true;
		}
	}
	return roots;
}
