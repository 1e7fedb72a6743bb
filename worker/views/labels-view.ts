import type { ComAtprotoLabelDefs } from '@atcute/atproto';

type Label = ComAtprotoLabelDefs.Label;

interface LabelRow {
	src: string;
	uri: string;
	cid: string | null;
	val: string;
	cts: string;
	exp: string | null;
}

/** The labels `labelsOn` (visibility.ts) gathers, as com.atproto.label.defs#label objects. */
export function labelViews(json: string | null | undefined): Label[] {
	if (!json) return [];
	return (JSON.parse(json) as LabelRow[]).map((row) => ({
		ver: 1,
		src: row.src as Label['src'],
		uri: row.uri as Label['uri'],
		...(row.cid ? { cid: row.cid as Label['cid'] } : {}),
		val: row.val,
		cts: row.cts as Label['cts'],
		...(row.exp ? { exp: row.exp as Label['exp'] } : {}),
	}));
}
