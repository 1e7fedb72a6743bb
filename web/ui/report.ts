import type { ScreenContext } from './context.ts';
import { errorText, h } from './dom.ts';
import type { ReportSubject } from '../lib/api.ts';

/** The reasons a person can pick, as com.atproto.moderation.defs names them. */
const REASONS: [string, string][] = [
	['com.atproto.moderation.defs#reasonMisleading', 'Impersonation or a deepfake of someone'],
	['com.atproto.moderation.defs#reasonSexual', 'Unwanted sexual content'],
	['com.atproto.moderation.defs#reasonRude', 'Harassment or hate'],
	['com.atproto.moderation.defs#reasonSpam', 'Spam'],
	['com.atproto.moderation.defs#reasonViolation', 'Breaks the rules or the law'],
	['com.atproto.moderation.defs#reasonOther', 'Something else'],
];

/** The report dialog for a clip, a comment or an account (`com.atproto.moderation.createReport`). */
export function openReport(ctx: ScreenContext, subject: ReportSubject, what: string): void {
	if (!ctx.session) return ctx.toast('Sign in to report.');
	const reason = h('select', { name: 'reasonType', 'aria-label': 'Why', required: true }, REASONS.map(([value, text]) => h('option', { value }, text)));
	const details = h('textarea', { name: 'reason', rows: 3, maxlength: 2000, placeholder: 'Anything the moderators should know (optional)', 'aria-label': 'Details' });
	const status = h('p', { class: 'form-status', role: 'status' });
	const send = h('button', { type: 'submit', class: 'primary' }, 'Send report');
	const dialog = h(
		'dialog',
		{ class: 'confirm report', 'aria-labelledby': 'report-title' },
		h(
			'form',
			{
				class: 'report-form',
				onsubmit: (event: Event) => {
					event.preventDefault();
					void submit();
				},
			},
			h('h2', { id: 'report-title' }, `Report ${what}`),
			reason,
			details,
			h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'), send),
			status,
		),
	);
	dialog.addEventListener('close', () => dialog.remove());
	document.body.append(dialog);
	dialog.showModal();

	async function submit() {
		send.disabled = true;
		status.textContent = 'Sending…';
		try {
			await ctx.api.report(subject, reason.value, details.value.trim() || undefined);
			dialog.close();
			ctx.toast('Thanks: the report was sent to the moderators.');
		} catch (error) {
			status.textContent = `Could not send the report: ${errorText(error)}`;
			send.disabled = false;
		}
	}
}
