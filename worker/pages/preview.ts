import type { AppContext } from '../context.ts';
import { clipsByUri } from '../views/clip-rows.ts';
import { clipView } from '../views/clip-view.ts';
import { profileView } from '../views/profile-view.ts';
import { clipPath, parsePagePath, profilePath, tagPath, type PagePath } from './paths.ts';

/** What a link preview shows; `video` and `image` only for what may be shown publicly. */
export interface Preview {
	title: string;
	description: string;
	url: string;
	image?: string;
	video?: string;
}

/**
 * A shared page (`/c/…`, `/r/…`, `/@…`): the web client's page with Open Graph and Twitter card tags
 * in its head, so a crawler that runs no script (Bluesky's card fetcher, chat apps) gets the title,
 * the poster and the video. The script then takes over the same URL. A clip that is hidden, deleted
 * or unknown gets the page with no tags and 404: a preview never shows what the views would not.
 */
export async function servePage(request: Request, app: AppContext, assets: Fetcher): Promise<Response> {
	const page = parsePagePath(new URL(request.url).pathname);
	const preview = page && (await previewOf(app, page));
	const shell = await assets.fetch(new URL('/', app.config.publicUrl));
	const headers = new Headers(shell.headers);
	// The page changes as the clip does (deleted, hidden, renamed): caches may keep it only briefly.
	headers.set('cache-control', 'public, max-age=60');
	const response = new Response(shell.body, { status: preview ? 200 : 404, headers });
	if (!preview) return response;
	return new HTMLRewriter()
		.on('head > meta[name="description"]', { element: (meta) => void meta.remove() })
		.on('head > title', { element: (title) => void title.setInnerContent(`${preview.title} · Dreamreel`) })
		.on('head', { element: (head) => void head.append(metaTags(preview), { html: true }) })
		.transform(response);
}

async function previewOf(app: AppContext, page: PagePath): Promise<Preview | undefined> {
	const base = app.config.publicUrl.origin;
	if (page.kind === 'tag') {
		return { title: `#${page.tag}`, description: `Clips tagged #${page.tag} on Dreamreel.`, url: `${base}${tagPath(page.tag)}` };
	}
	if (page.kind === 'profile') {
		const row = await app.db
			.prepare(`SELECT a.did, a.handle, a.display_name, a.avatar_cid, a.pds FROM actors a WHERE (a.did = ?1 OR a.handle = lower(?1)) AND a.active = 1`)
			.bind(page.actor)
			.first<{ did: string; handle: string | null; display_name: string | null; avatar_cid: string | null; pds: string | null }>();
		if (!row) return undefined;
		const view = profileView(row);
		return {
			title: view.displayName ? `${view.displayName} (@${view.handle})` : `@${view.handle}`,
			description: `Clips and remixes by @${view.handle} on Dreamreel.`,
			url: `${base}${profilePath(view.handle === 'handle.invalid' ? view.did : view.handle)}`,
			...(view.avatar ? { image: view.avatar } : {}),
		};
	}
	const [row] = await clipsByUri(app.db, [page.uri]);
	if (!row) return undefined;
	const view = clipView(row);
	const record = view.record as { caption?: string; prompt?: string };
	const what = page.kind === 'lineage' ? 'Remix lineage of a clip' : row.parent_uri ? 'A remix' : 'A clip';
	return {
		title: `${record.caption || what} by @${view.author.handle}`,
		description: (record.prompt ? `${what} made from “${record.prompt}”` : `${what} on Dreamreel`).slice(0, 300),
		url: `${base}${clipPath(page.uri, page.kind === 'lineage')}`,
		...(view.playback.thumbnail ? { image: view.playback.thumbnail } : {}),
		...(view.playback.mp4 ? { video: view.playback.mp4 } : {}),
	};
}

/** The tags, every value escaped for an HTML attribute. */
export function metaTags(preview: Preview): string {
	const tags: [string, string, string][] = [
		['property', 'og:site_name', 'Dreamreel'],
		['property', 'og:type', preview.video ? 'video.other' : 'website'],
		['property', 'og:title', preview.title],
		['property', 'og:description', preview.description],
		['property', 'og:url', preview.url],
		['name', 'description', preview.description],
		['name', 'twitter:card', preview.image ? 'summary_large_image' : 'summary'],
		['name', 'twitter:title', preview.title],
		['name', 'twitter:description', preview.description],
	];
	if (preview.image) tags.push(['property', 'og:image', preview.image], ['name', 'twitter:image', preview.image]);
	if (preview.video) tags.push(['property', 'og:video', preview.video], ['property', 'og:video:type', 'video/mp4']);
	const meta = tags.map(([attribute, key, value]) => `<meta ${attribute}="${key}" content="${escape(value)}">`);
	return `${meta.join('\n')}\n<link rel="canonical" href="${escape(preview.url)}">\n`;
}

function escape(text: string): string {
	return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
