import { richText } from './rich-text.ts';
import type { ScreenContext } from './context.ts';
import { actorOf, href } from './context.ts';
import type { ClipView, CommentView } from '../lib/types.ts';
import { avatar } from './avatar.ts';
import { errorText, fill, h, timeAgo } from './dom.ts';
import { openReport } from './report.ts';

/** The comments sheet: `getComments` from the AppView; a new one is a record in the user's own repo. */
export function openComments(ctx: ScreenContext, clip: ClipView, onPosted: () => void): void {
	const list = h('ol', { class: 'comment-list', 'aria-live': 'polite' }, h('li', { class: 'muted' }, 'Loading…'));
	const text = h('textarea', { name: 'text', rows: 2, maxlength: 1000, required: true, placeholder: 'Add a comment', 'aria-label': 'Your comment' });
	const status = h('p', { class: 'form-status', role: 'status' });
	const form = h(
		'form',
		{
			class: 'comment-form',
			onsubmit: (event: Event) => {
				event.preventDefault();
				void post();
			},
		},
		text,
		h('button', { type: 'submit', class: 'primary' }, 'Post'),
		status,
	);
	const dialog = h(
		'dialog',
		{ class: 'sheet', 'aria-labelledby': 'comments-title' },
		h('header', null, h('h2', { id: 'comments-title' }, 'Comments'), h('button', { type: 'button', class: 'close', 'aria-label': 'Close comments', onclick: () => dialog.close() }, '✕')),
		list,
		ctx.session ? form : h('p', null, h('a', { href: href.signin(location.hash) }, 'Sign in'), ' to comment.'),
	);
	dialog.addEventListener('close', () => dialog.remove());
	// A click on the backdrop (the dialog itself, outside its content box) closes the sheet.
	dialog.addEventListener('click', (event) => {
		if (event.target === dialog) dialog.close();
	});
	document.body.append(dialog);
	dialog.showModal();

	/** One's own comments can be deleted: the record goes from one's repo. */
	const removal: Removal | undefined = ctx.session && {
		mine: ctx.session.did,
		async delete(uri) {
			try {
				await ctx.api.deleteRecord(uri);
				render((shown = shown.filter((comment) => comment.uri !== uri)));
			} catch (error) {
				status.textContent = `Could not delete: ${errorText(error)}`;
			}
		},
	};

	const render = (comments: CommentView[]) =>
		fill(list, comments.length === 0 ? h('li', { class: 'muted' }, 'No comments yet. Be the first.') : comments.map((comment) => item(ctx, comment, removal)));

	let shown: CommentView[] = [];
	ctx.api.comments(clip.uri).then(
		(page) => render((shown = page.comments)),
		(error: unknown) => fill(list, h('li', { class: 'error' }, `Could not load comments: ${errorText(error)}`)),
	);

	async function post() {
		const value = text.value.trim();
		if (!value || !ctx.session) return;
		status.textContent = 'Posting…';
		try {
			const ref = await ctx.api.comment(clip, value);
			const mine: CommentView = {
				uri: ref.uri as CommentView['uri'],
				cid: ref.cid,
				author: { did: ctx.session.did as CommentView['author']['did'], handle: ctx.session.handle as CommentView['author']['handle'] },
				record: { text: value },
				replies: [],
				indexedAt: new Date().toISOString() as CommentView['indexedAt'],
			};
			render((shown = [mine, ...shown]));
			text.value = '';
			status.textContent = 'Posted.';
			onPosted();
		} catch (error) {
			status.textContent = `Could not post: ${errorText(error)}`;
		}
	}
}

interface Removal {
	mine: string;
	delete(uri: string): Promise<void>;
}

function item(ctx: ScreenContext, comment: CommentView, removal: Removal | undefined): HTMLElement {
	const record = comment.record as { text?: unknown };
	const own = removal && comment.author.did === removal.mine;
	const report = h('button', { type: 'button', class: 'comment-report', 'aria-label': `Report @${comment.author.handle}'s comment`, onclick: () => openReport(ctx, comment, 'this comment') }, 'Report');
	return h(
		'li',
		{ class: 'comment' },
		h(
			'p',
			{ class: 'comment-head' },
			h('a', { href: href.profile(actorOf(comment.author)) }, avatar(comment.author), `@${comment.author.handle}`),
			' ',
			h('time', { datetime: comment.indexedAt }, timeAgo(comment.indexedAt)),
			' ',
			own && h('button', { type: 'button', class: 'link', 'aria-label': 'Delete my comment', onclick: () => void removal.delete(comment.uri) }, 'Delete'),
			ctx.session && ctx.session.did !== comment.author.did && report,
		),
		h('p', { class: 'comment-text' }, typeof record.text === 'string' ? richText(record.text) : ''),
		comment.replies.length > 0 && h('ol', { class: 'replies' }, comment.replies.map((reply) => item(ctx, reply, removal))),
	);
}
