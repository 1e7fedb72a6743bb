// Handle and DID syntax, for the forms that take names; resolving them (identity.ts) loads only at sign-in.
export { isDid, isHandle } from '@atcute/lexicons/syntax';

export function normalizeHandle(value: string): string {
	return value.trim().replace(/^@/, '').toLowerCase();
}
