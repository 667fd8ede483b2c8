import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InterruptedError } from '../../../src/core/errors.js';
import { decodeArtifact, encodeArtifact, type ArtifactMeta } from '../../../src/models/artifact.js';
import type { Classifier, ModelKind } from '../../../src/models/classifier.js';
import { OnnxClassifier } from '../../../src/models/onnx/onnx-classifier.js';
import { accuracyOf, tinyTask, UNSEEN_TEXTS } from './deep-fixture.js';

export interface DeepKindCase {
  readonly kind: ModelKind;
  /** Params that learn the tiny task in well under a second. */
  readonly small: Readonly<Record<string, unknown>>;
  /** Params the kind must refuse, each with what its error must say (the parameter's name). */
  readonly badParams: ReadonlyArray<readonly [Readonly<Record<string, unknown>>, RegExp]>;
}

export function artifactOf(c: Classifier, labels: readonly string[], seed: number): Buffer {
  const { featuriser, params, sections } = c.serialise();
  const meta: ArtifactMeta = {
    kind: c.kind, labels, featuriser, params, metrics: {}, codeVersion: 'test', training: { seed, upsample: false, trainRows: 0, validRows: 0 },
  };
  return encodeArtifact(meta, sections);
}

/** Probabilities of `texts` through the TypeScript forward pass and through onnxruntime. */
export async function bothEngines(model: Classifier, texts: readonly string[]): Promise<{ ts: Float32Array; ort: Float32Array }> {
  const ts = new Float32Array(texts.length * model.labels.length);
  model.predictProba(texts, ts);
  const ort = new Float32Array(ts.length);
  await model.predictProbaAsync!(texts, ort);
  return { ts, ort };
}

export function assertClose(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-4, `${what} ${i}: ${a[i]} vs ${b[i]}`);
}

/**
 * What every deep kind promises, run on its own real training, export and onnxruntime: it learns
 * the tiny task, its ONNX graph gives the TypeScript forward pass's probabilities (on words it never
 * saw too), the same seed gives the same artifact whatever the thread count and that artifact
 * loads back, abort keeps the best finished epoch, and bad params are refused by name.
 */
export function deepKindContract(c: DeepKindCase): void {
  const name = c.kind.name;
  describe(`deep kind contract: ${name}`, () => {
    const task = tinyTask();
    const classes = task.labels.length;
    let trained: Promise<Classifier> | undefined;
    const model = (): Promise<Classifier> => (trained ??= c.kind.train(task, { seed: 2, threads: 1, params: c.small }));

    it('learns the tiny task, and its ONNX export gives the TypeScript forward pass probabilities', async () => {
      const { ts, ort } = await bothEngines(await model(), task.test.texts);
      assert.ok(accuracyOf(ts, task.test.y, classes) >= 0.7, `accuracy ${accuracyOf(ts, task.test.y, classes)}`);
      assertClose(ts, ort, 'proba');
    });

    it('words it never saw give the same probabilities through onnxruntime and TypeScript', async () => {
      const { ts, ort } = await bothEngines(await model(), [...UNSEEN_TEXTS, ...task.test.texts.slice(0, 20)]);
      assertClose(ts, ort, 'proba');
    });

    it('the same seed gives a byte-identical artifact with 1 and 2 threads; the artifact loads back', async () => {
      const first = await model();
      const one = artifactOf(first, task.labels, 2);
      const two = artifactOf(await c.kind.train(task, { seed: 2, threads: 2, params: c.small }), task.labels, 2);
      assert.ok(one.equals(two), 'artifacts differ between 1 and 2 threads');
      const loaded = decodeArtifact(one, 'mem');
      const back = c.kind.load(loaded.header, loaded.sections);
      assert.ok(back instanceof OnnxClassifier);
      const { ts, ort } = await bothEngines(back, task.test.texts);
      assert.ok(accuracyOf(ts, task.test.y, classes) >= 0.7, `accuracy ${accuracyOf(ts, task.test.y, classes)}`);
      assertClose(ts, ort, 'loaded proba');
      assertClose(ts, (await bothEngines(first, task.test.texts)).ts, 'loaded vs trained proba');
    });

    it('abort keeps the best finished epoch, or throws InterruptedError when none finished', async () => {
      const early = new AbortController();
      early.abort();
      await assert.rejects(c.kind.train(task, { seed: 1, threads: 1, params: c.small, signal: early.signal }), InterruptedError);
      const later = new AbortController();
      let epochs = 0;
      const kept = await c.kind.train(task, {
        seed: 1, threads: 1, params: { ...c.small, epochs: 50 }, signal: later.signal,
        onProgress: (p) => { if (p.info?.['epochSeconds'] !== undefined && ++epochs === 2) later.abort(); },
      });
      assert.equal(epochs, 2, 'training went on after the abort');
      assert.equal(kept.labels.length, classes);
      const { ts, ort } = await bothEngines(kept, task.test.texts.slice(0, 20));
      assertClose(ts, ort, 'proba of the kept epoch');
    });

    it(`bad ${name} params are refused with the parameter named`, async () => {
      const cases: ReadonlyArray<readonly [Readonly<Record<string, unknown>>, RegExp]> = [
        [{ dimz: 3 }, new RegExp(`unknown ${name} parameter "dimz"`)],
        [{ dim: 0 }, new RegExp(`${name} parameter dim must be an integer`)],
        [{ dropout: 'lots' }, new RegExp(`${name} parameter dropout must be a number`)],
        ...c.badParams,
      ];
      for (const [params, error] of cases) await assert.rejects(c.kind.train(task, { seed: 1, threads: 1, params }), error, JSON.stringify(params));
    });
  });
}
