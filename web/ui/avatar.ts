import type { ProfileViewBasic } from '../lib/types.ts';
import { h } from './dom.ts';

/** A person's avatar image, or their initial on the house gradient when they have none. */
export function avatar(profile: Pick<ProfileViewBasic, 'handle' | 'avatar'>, size: 'small' | 'large' = 'small'): HTMLElement {
	const className = `avatar avatar-${size}`;
	if (profile.avatar) return h('img', { class: className, src: profile.avatar, alt: '', loading: 'lazy', decoding: 'async' });
	return h('span', { class: className, 'aria-hidden': 'true' }, (profile.handle[0] ?? '?').toUpperCase());
}
