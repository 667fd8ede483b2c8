import { produceArtifact, type ProducedArtifact, type RegisterStep } from './register-step.js';
import { runTraining, type TrainRunOptions, type TrainRunResult } from './train-run.js';

/**
 * The training pipeline every caller shares (`lading train`, the demo, the retraining controller):
 * dataset rows (a stored dataset version, or a file already imported as one) -> grouped stratified
 * split -> train -> evaluate -> artifact bytes -> optionally a registered version. The bytes stay
 * in memory; where they go besides the registry (a file, nowhere) is the caller's choice.
 */
export interface TrainingPipelineInput<R> extends TrainRunOptions {
  /** Records the artifact as a model version; without it the pipeline stops at the bytes. */
  readonly register?: RegisterStep<R>;
}

export interface TrainingPipelineResult<R> extends TrainRunResult, ProducedArtifact {
  /** What the register step returned (the version record); undefined when not asked to register. */
  readonly registered: R | undefined;
}

export async function runTrainingPipeline<R = never>(input: TrainingPipelineInput<R>): Promise<TrainingPipelineResult<R>> {
  const { register, ...options } = input;
  const run = await runTraining(options);
  const produced = await produceArtifact(run.bytes, run.meta, 'training', register, input.signal);
  return { ...run, ...produced };
}
