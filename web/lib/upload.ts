/**
 * `com.atproto.repo.uploadBlob` through XMLHttpRequest, the one browser API that reports how much of
 * a request body has been sent (fetch cannot, over HTTP/1.1). Resolves with the blob reference, or
 * undefined when the token was refused (the caller refreshes and retries its own way).
 */
export function uploadWithProgress(pds: string, blob: Blob, accessJwt: string, onProgress: (sent: number) => void): Promise<unknown> {
	return new Promise((resolve, reject) => {
		const request = new XMLHttpRequest();
		request.open('POST', new URL('/xrpc/com.atproto.repo.uploadBlob', pds).href);
		request.setRequestHeader('authorization', `Bearer ${accessJwt}`);
		request.setRequestHeader('content-type', blob.type || 'application/octet-stream');
		request.responseType = 'json';
		request.upload.addEventListener('progress', (event) => {
			if (event.lengthComputable) onProgress(event.loaded / event.total);
		});
		request.addEventListener('load', () => {
			const body = request.response as { blob?: unknown; error?: string; message?: string } | null;
			if (request.status === 401) return resolve(undefined);
			if (request.status !== 200 || !body?.blob) return reject(new Error(`uploading failed: ${body?.message ?? body?.error ?? request.status}`));
			onProgress(1);
			resolve(body.blob);
		});
		request.addEventListener('error', () => reject(new Error('uploading failed: the network refused the request')));
		request.send(blob);
	});
}
