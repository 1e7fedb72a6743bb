import { InvalidRequestError } from '@atcute/xrpc-server';

/** Keyset cursor over (sort_at, uri): stable when newer clips arrive between pages. */
export interface Position {
	sortAt: string;
	uri: string;
}

export function encodeCursor(position: Position): string {
	return `${position.sortAt}::${position.uri}`;
}

export function decodeCursor(cursor: string | undefined): Position | undefined {
	if (cursor === undefined) return undefined;
	const at = cursor.indexOf('::');
	const sortAt = cursor.slice(0, at);
	if (at < 0 || Number.isNaN(Date.parse(sortAt))) {
		throw new InvalidRequestError({ message: 'invalid cursor' });
	}
	return { sortAt, uri: cursor.slice(at + 2) };
}

/** The cursor for the next page, present only when the page was full. */
export function nextCursor(rows: Position[], limit: number): string | undefined {
	const last = rows.at(-1);
	return rows.length === limit && last ? encodeCursor(last) : undefined;
}
