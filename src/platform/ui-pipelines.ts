import type { UiPipelines } from '../server/routes/ui-backend.js';
import { pipelineHistory, withPipelineStore, type PipelineSettings } from './pipelines.js';

/**
 * The dashboard's read of the pipeline store: every pipeline it knows (paused or not, the run in
 * progress) with its newest runs, their timed steps and the gates step's verdict, as `lading
 * pipeline list|history` read them. History is read as the CLI reads it, so a run whose process
 * died is shown failed (interrupted) rather than running for ever.
 */
export function uiPipelines(settings: Pick<PipelineSettings, 'home' | 'registryUrl' | 'registrySchema'>): UiPipelines {
  return {
    async list(runsPerPipeline) {
      const states = await withPipelineStore(settings, (store) => store.listStates());
      const pipelines = [];
      // One pipeline at a time: each opens and closes the store (a SQLite file or a pool).
      for (const state of states) pipelines.push({ state, runs: await pipelineHistory(settings, state.pipeline, runsPerPipeline) });
      return { pipelines };
    },
  };
}
