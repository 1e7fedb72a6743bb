/** The R2 object's customMetadata: shared by the host that writes it and the route that reads it. */

export interface VideoFlags {
	restricted: boolean;
	aiGenerated: boolean;
}

export function toCustomMetadata(flags: VideoFlags): Record<string, string> {
	return { restricted: String(flags.restricted), aiGenerated: String(flags.aiGenerated) };
}

export function readFlags(object: R2Object): VideoFlags {
	return { restricted: isRestricted(object), aiGenerated: object.customMetadata?.aiGenerated === 'true' };
}

/** Anything but an explicit "false" counts as restricted: an unreadable flag must not publish a video. */
export function isRestricted(object: R2Object): boolean {
	return object.customMetadata?.restricted !== 'false';
}
