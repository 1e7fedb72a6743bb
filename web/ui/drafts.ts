import { isFinished } from '../lib/jobs.ts';
import type { JobView } from '../lib/types.ts';
import { href, type Screen, type ScreenContext } from './context.ts';
import { errorText, fill, h, timeAgo } from './dom.ts';
import { publishStep } from './publish-step.ts';

const STATE_TEXT: Record<string, string> = { ready: 'Ready to publish', failed: 'Failed', cancelled: 'Cancelled' };

/**
 * Drafts: the user's generations of the retention window (`listJobs`, kept by the server, so any
 * device shows them), each to publish, retry or discard.
 */
export function draftsScreen(ctx: ScreenContext): Screen {
	const list = h('ol', { class: 'drafts', 'aria-live': 'polite' }, h('li', { class: 'muted' }, 'Loading…'));
	const more = h('div', { class: 'more' });
	let cursor: string | undefined;

	async function load() {
		try {
			const page = await ctx.api.jobs(cursor);
			if (!cursor) fill(list);
			list.append(...page.jobs.map((job) => draft(ctx, job)));
			cursor = page.cursor;
			fill(
				more,
				list.childElementCount === 0 && h('p', { class: 'muted' }, 'No drafts. ', h('a', { href: href.generate() }, 'Generate a clip')),
				cursor && h('button', { type: 'button', onclick: () => void load() }, 'Load more'),
			);
		} catch (error) {
			fill(more, h('p', { class: 'error' }, `Could not load your drafts: ${errorText(error)}`));
		}
	}

	void load();
	return { el: h('div', { class: 'page narrow' }, h('h1', null, 'Drafts'), list, more), title: 'Drafts' };
}

function draft(ctx: ScreenContext, job: JobView): HTMLElement {
	const item = h('li', { class: 'card draft', 'data-job': job.id });
	const actions = h('div', { class: 'actions' });
	const status = h('p', { class: 'form-status', role: 'status' });
	const state = job.status === 'ready' && !job.result ? 'Expired: the video is no longer held' : (STATE_TEXT[job.status] ?? 'Generating…');
	fill(
		item,
		h('p', { class: 'draft-prompt' }, `“${job.prompt}”`),
		h('p', { class: 'muted' }, `${state} · ${timeAgo(job.createdAt)}${job.remixOf ? ' · a remix' : ''}`),
		actions,
		status,
	);
	const discard = h('button', { type: 'button' }, 'Discard');
	discard.addEventListener('click', async () => {
		try {
			await ctx.api.dismissJob(job.id);
			item.remove();
		} catch (error) {
			status.textContent = `Could not discard: ${errorText(error)}`;
		}
	});
	if (job.status === 'ready' && job.result) {
		const open = h('button', { type: 'button', class: 'primary' }, 'Publish…');
		open.addEventListener('click', () => {
			fill(actions);
			item.append(publishStep(ctx, job, (published) => (published ? ctx.navigate(href.profile(ctx.session!.handle)) : item.remove())));
		});
		actions.append(open, discard);
	} else if (isFinished(job)) {
		const retry = h('button', { type: 'button', class: 'primary' }, 'Retry');
		retry.addEventListener('click', () => void again(ctx, job, status));
		actions.append(retry, discard);
	} else {
		actions.append(h('a', { class: 'button', href: href.generate(job.remixOf?.uri) }, 'Follow progress'), discard);
	}
	return item;
}

/** The same request as a new job (a fresh idempotency key), then its progress on the Create screen. */
async function again(ctx: ScreenContext, job: JobView, status: HTMLElement) {
	try {
		await ctx.api.generate({
			prompt: job.prompt,
			...(job.durationSeconds ? { durationSeconds: job.durationSeconds } : {}),
			...(job.aspectRatio ? { aspectRatio: job.aspectRatio } : {}),
			...(job.cameos?.length ? { cameos: job.cameos } : {}),
			...(job.remixOf ? { remixOf: job.remixOf.uri } : {}),
			idempotencyKey: crypto.randomUUID(),
		});
		await ctx.api.dismissJob(job.id);
		ctx.navigate(href.generate(job.remixOf?.uri));
	} catch (error) {
		status.textContent = `Could not retry: ${errorText(error)}`;
	}
}
