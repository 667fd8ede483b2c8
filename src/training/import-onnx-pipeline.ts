import { importOnnx, type ImportedOnnx, type ImportOnnxInput } from '../models/onnx/import-onnx.js';
import { produceArtifact, type ProducedArtifact, type RegisterStep } from './register-step.js';

/**
 * The training pipeline's counterpart for a model trained elsewhere: check and import the ONNX
 * graph with its preprocessing -> artifact bytes -> optionally a registered version, in memory.
 * (Its own file so that `lading train` never loads onnxruntime.)
 */
export interface OnnxImportPipelineInput<R> extends ImportOnnxInput {
  readonly register?: RegisterStep<R>;
  readonly signal?: AbortSignal;
}

export interface OnnxImportPipelineResult<R> extends ImportedOnnx, ProducedArtifact {
  readonly registered: R | undefined;
}

export async function runOnnxImportPipeline<R = never>(input: OnnxImportPipelineInput<R>): Promise<OnnxImportPipelineResult<R>> {
  const imported = await importOnnx(input);
  const produced = await produceArtifact(imported.bytes, imported.meta, 'onnx import', input.register, input.signal);
  return { ...imported, ...produced };
}
