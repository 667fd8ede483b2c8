import { ArtifactError } from '../../core/errors.js';
import type { ArtifactMeta, SectionArray } from '../artifact.js';
import { decodeVocab, OnnxClassifier } from '../onnx/onnx-classifier.js';
import { TokenEncoder, type BagEntries, type TokenizerSpec } from '../onnx/token-encoder.js';
import type { AdamSettings } from './adam.js';
import type { DropoutStep } from './id-batch.js';
import { foldBagTable } from './fold-bag.js';
import type { DeepCommonParams } from './params.js';

/** What training and serving need of a network over sequences of type S. */
export interface SingleThreadNet<S> {
  /** The probabilities of the last forward pass, one row of classes per batch position. */
  readonly proba: Float32Array;
  /** Forward pass of sequences order[from .. from + count) (from .. from + count when order is null). */
  forward(seq: S, order: Int32Array | null, from: number, count: number, dropout: DropoutStep | null): void;
  /** Forward, backward and one Adam step on examples order[from .. from + count); returns their summed loss. */
  trainStep(seq: S, order: Int32Array, from: number, count: number, y: Int32Array, classWeight: Float32Array | null,
    sparseBelow: number, adam: AdamSettings, dropout: DropoutStep, lazyEmbedding: boolean): number;
}

/**
 * A deep kind trained on one thread (dnn, lstm): how its params, tokenizer, shapes, weights,
 * network and ONNX graph fit together. trainSingleThread, loadSingleThread and
 * singleThreadClassifier do everything else the same way for each such kind.
 */
export interface SingleThreadKind<P extends DeepCommonParams, Shape extends { readonly dim: number }, W, S> {
  readonly name: string;
  /** Validated params from user input or an artifact header (throws InputError naming the param). */
  parse(given: Readonly<Record<string, unknown>>): P;
  /** Merged under an artifact's stored params on load: what artifacts written before a param existed meant. */
  readonly legacyParams: Readonly<Record<string, unknown>>;
  spec(p: P): TokenizerSpec;
  shape(p: P, vocab: number, classes: number): Shape;
  init(shape: Shape, seed: number): W;
  /** The weight tensors in a fixed order, the embedding table first and the output bias last; fromTensors is its inverse. */
  tensors(w: W): Float32Array[];
  fromTensors(t: readonly Float32Array[]): W;
  net(shape: Shape, w: W, capacity: number, training: boolean): SingleThreadNet<S>;
  /** The training split as the network reads it. */
  encodeTexts(encoder: TokenEncoder, texts: readonly string[]): S;
  /** A right-padded [rows, width] inference batch (with its n-gram bag in bag mode) as the network reads it. */
  batchSequences(ids: Int32Array, rows: number, width: number, bag: BagEntries | undefined): S;
  exportOnnx(shape: Shape, w: W): Uint8Array;
  /** The weights of an exported graph (as served, see servedWeights). */
  importWeights(shape: Shape, onnx: Uint8Array): W;
}

const INFERENCE_BATCH = 256;

/**
 * The trained weights as the model is served: in bag mode each known word's row is folded with its
 * n-grams (foldBagTable), and the output bias (a kind's last tensor) goes through `outputBias`
 * (e.g. the prior correction).
 */
export function servedWeights<P extends DeepCommonParams, Shape extends { readonly dim: number }, W, S>(
  kind: SingleThreadKind<P, Shape, W, S>, w: W, encoder: TokenEncoder, shape: Shape, outputBias: (bias: Float32Array) => Float32Array = (b) => b): W {
  const tensors = kind.tensors(w);
  const [embedding, ...rest] = tensors;
  const bias = rest.pop()!;
  return kind.fromTensors([encoder.bagMode ? foldBagTable(embedding!, encoder, shape.dim) : embedding!, ...rest, outputBias(bias)]);
}

/**
 * A trained model (served weights and their exported graph): onnxruntime serves it
 * (predictProbaAsync); the TypeScript forward pass gives the synchronous path and explanations.
 */
export function singleThreadClassifier<P extends DeepCommonParams, Shape extends { readonly dim: number }, W, S>(
  kind: SingleThreadKind<P, Shape, W, S>, labels: readonly string[], params: P, encoder: TokenEncoder, weights: W, onnx: Uint8Array): OnnxClassifier {
  const net = kind.net(kind.shape(params, encoder.vocab.length, labels.length), weights, INFERENCE_BATCH, false);
  const classes = labels.length;
  return new OnnxClassifier({
    kind: kind.name, labels, encoder, onnx, params: { ...(params as Readonly<Record<string, unknown>>) },
    syncForward(ids, rows, width, out, bag) {
      const seq = kind.batchSequences(ids, rows, width, bag);
      for (let from = 0; from < rows; from += INFERENCE_BATCH) {
        const count = Math.min(INFERENCE_BATCH, rows - from);
        net.forward(seq, null, from, count, null);
        out.set(net.proba.subarray(0, count * classes), from * classes);
      }
    },
  });
}

/** Rebuilds a classifier from a verified artifact (its params, its ONNX graph and its vocabulary). */
export function loadSingleThread<P extends DeepCommonParams, Shape extends { readonly dim: number }, W, S>(
  kind: SingleThreadKind<P, Shape, W, S>, meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): OnnxClassifier {
  let params: P;
  try {
    params = kind.parse({ ...kind.legacyParams, ...meta.params });
  } catch (e) {
    throw new ArtifactError('artifact-bad-params', `${kind.name} artifact has invalid params: ${(e as Error).message}`, { kind: kind.name }, undefined, { cause: e });
  }
  const onnx = sections.get('onnx');
  const vocabBytes = sections.get('vocab');
  if (!(onnx instanceof Uint8Array) || !(vocabBytes instanceof Uint8Array)) {
    throw new ArtifactError('artifact-bad-section', `${kind.name} artifact lacks its onnx or vocab section`, { kind: kind.name });
  }
  const vocab = decodeVocab(vocabBytes);
  const weights = kind.importWeights(kind.shape(params, vocab.length, meta.labels.length), onnx);
  return singleThreadClassifier(kind, meta.labels, params, new TokenEncoder(kind.spec(params), vocab), weights, onnx);
}
