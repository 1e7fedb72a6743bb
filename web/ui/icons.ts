// A few inline icons (24px, currentColor), so the client ships no icon font or sprite request.
const PATHS = {
	heart: 'M12 21s-7.5-4.6-9.6-9.1C.9 8.6 3 4.5 6.8 4.5c2.2 0 3.6 1.3 4.2 2.4h2c.6-1.1 2-2.4 4.2-2.4 3.8 0 5.9 4.1 4.4 7.4C19.5 16.4 12 21 12 21z',
	comment: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
	remix: 'M4 7h11l-3-3 1.4-1.4L19.8 9l-6.4 6.4L12 14l3-3H4V7zm16 10H9l3 3-1.4 1.4L4.2 15l6.4-6.4L12 10l-3 3h11v4z',
	tree: 'M11 2h2v5h5v4h-2V9h-3v4h3v2h-2v3h3v4h-8v-4h3v-3h-2v-2h1V9H8v2H6V7h5V2z',
	muted: 'M3 9v6h4l5 5V4L7 9H3zm13.6 3 2.7 2.7-1.4 1.4-2.7-2.7-2.7 2.7-1.4-1.4 2.7-2.7-2.7-2.7 1.4-1.4 2.7 2.7 2.7-2.7 1.4 1.4L16.6 12z',
	sound: 'M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4zM14 3.2v2.1a7 7 0 0 1 0 13.4v2.1a9 9 0 0 0 0-17.6z',
	link: 'M10.6 13.4a1 1 0 0 1 0-1.4l3.5-3.5a3 3 0 1 1 4.2 4.2l-2 2-1.4-1.4 2-2a1 1 0 1 0-1.4-1.4L12 13.4a1 1 0 0 1-1.4 0zm2.8-2.8a1 1 0 0 1 0 1.4l-3.5 3.5a3 3 0 1 1-4.2-4.2l2-2 1.4 1.4-2 2a1 1 0 1 0 1.4 1.4l3.5-3.5a1 1 0 0 1 1.4 0z',
	trash: 'M9 3h6l1 2h4v2H4V5h4l1-2zM6 9h12l-1 12H7L6 9zm4 2v8h1.5v-8H10zm2.5 0v8H14v-8h-1.5z',
	home: 'M12 3 2 12h3v8h6v-5h2v5h6v-8h3L12 3z',
	plus: 'M11 4h2v7h7v2h-7v7h-2v-7H4v-2h7V4z',
	shield: 'M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3zm0 10h6c-.5 3.9-3 7.3-6 8.3V12H6V6.3l6-2.2V12z',
	person: 'M12 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zm0 2c-4 0-9 2-9 5v3h18v-3c0-3-5-5-9-5z',
	bell: 'M12 22a2.5 2.5 0 0 0 2.5-2.5h-5A2.5 2.5 0 0 0 12 22zm7-6V11c0-3.1-1.6-5.6-4.5-6.3V4a2.5 2.5 0 0 0-5 0v.7C6.6 5.4 5 7.9 5 11v5l-2 2v1h18v-1l-2-2z',
	search: 'M10 2a8 8 0 0 1 6.3 12.9l5.4 5.4-1.4 1.4-5.4-5.4A8 8 0 1 1 10 2zm0 2a6 6 0 1 0 0 12 6 6 0 0 0 0-12z',
	play: 'M8 5v14l11-7z',
	pause: 'M6 5h4v14H6zm8 0h4v14h-4z',
	flag: 'M5 3h2v18H5V3zm3 1h10l-2 4 2 4H8V4z',
} as const;

export type IconName = keyof typeof PATHS;

export function icon(name: IconName): SVGSVGElement {
	const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
	svg.setAttribute('viewBox', '0 0 24 24');
	svg.setAttribute('aria-hidden', 'true');
	svg.setAttribute('class', `icon icon-${name}`);
	const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
	path.setAttribute('d', PATHS[name]);
	svg.append(path);
	return svg;
}
