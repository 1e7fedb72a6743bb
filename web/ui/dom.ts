/** A ~40-line stand-in for a framework: build elements declaratively, own their updates by hand. */
export type Child = Node | string | number | false | null | undefined | Child[];
type Listener = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Listener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
	const el = document.createElement(tag);
	for (const [key, value] of Object.entries(attrs ?? {})) {
		if (value === undefined || value === null || value === false) continue;
		if (typeof value === 'function') {
			el.addEventListener(key.slice(2).toLowerCase(), value);
		} else if (key === 'class' || key === 'style' || key === 'for' || key.includes('-') || key === 'role' || key === 'tabindex' || !(key in el)) {
			el.setAttribute(key, value === true ? '' : String(value));
		} else {
			(el as unknown as Record<string, unknown>)[key] = value;
		}
	}
	el.append(...flatten(children));
	return el;
}

function flatten(children: Child[]): (Node | string)[] {
	return children.flatMap((child): (Node | string)[] => {
		if (child === null || child === undefined || child === false) return [];
		if (Array.isArray(child)) return flatten(child);
		return [typeof child === 'number' ? String(child) : child];
	});
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
	el.replaceChildren(...flatten(children));
}

/** "1.2K" style counts, fixed to a few characters so the rail never reflows. */
export function count(n: number): string {
	if (n < 1000) return String(n);
	if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, '')}K`;
	return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
	return `${n} ${n === 1 ? one : many}`;
}

export function timeAgo(iso: string): string {
	const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
	if (seconds < 60) return 'just now';
	if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
	if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
	return new Date(iso).toLocaleDateString();
}

export function errorText(error: unknown): string {
	// An XRPC failure (@atcute/client's ClientResponseError): the server's message, not "Name > message".
	if (error instanceof Error && 'description' in error && typeof error.description === 'string') return error.description;
	return error instanceof Error ? error.message : String(error);
}
