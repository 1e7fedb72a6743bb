import type { VideoDreamreelDefs } from '../lexicons/index.ts';
import type { Job } from './job.ts';

export type JobView = VideoDreamreelDefs.JobView;
type Ref = NonNullable<JobView['remixOf']>;

/** The lexicon's jobView; the result only once the video is ready (and not yet expired). */
export function jobView(job: Job, publicUrl: string): JobView {
	const { spec, output } = job;
	const lineage = job.plan?.parent && job.plan.root ? { parent: job.plan.parent, root: job.plan.root } : spec.lineage;
	return {
		$type: 'video.dreamreel.defs#jobView',
		id: job.id,
		status: job.status,
		progress: job.progress,
		// Only while the provider has it queued.
		...(job.status === 'submitted' && job.queuePosition !== undefined ? { queuePosition: job.queuePosition } : {}),
		prompt: spec.prompt,
		provider: spec.provider,
		model: spec.model,
		durationSeconds: spec.durationSeconds,
		aspectRatio: spec.aspectRatio,
		cameos: spec.cameos as JobView['cameos'],
		...(lineage ? { remixOf: lineage.parent as Ref, root: lineage.root as Ref } : {}),
		...(job.status === 'ready' && output && !job.expired
			? {
					result: {
						url: new URL(`/jobs/${job.id}/video/${job.secret}.mp4`, publicUrl).href as `${string}:${string}`,
						mimeType: output.mimeType,
						size: output.size,
						...(output.durationMs ? { durationMs: output.durationMs } : {}),
						...(output.aspectRatio ? { aspectRatio: output.aspectRatio } : {}),
					},
				}
			: {}),
		...(job.error ? { error: job.error.slice(0, 1000) } : {}),
		createdAt: iso(job.createdAt),
		updatedAt: iso(job.updatedAt),
	};
}

function iso(ms: number): JobView['createdAt'] {
	return new Date(ms).toISOString() as JobView['createdAt'];
}
