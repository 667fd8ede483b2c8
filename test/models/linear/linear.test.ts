import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArtifactError, InputError, InterruptedError } from '../../../src/core/errors.js';
import { decodeArtifact, encodeArtifact, type ArtifactMeta, type SectionArray } from '../../../src/models/artifact.js';
import type { Classifier, TrainInput, TrainOptions } from '../../../src/models/classifier.js';
import { linearKind } from '../../../src/models/linear/index.js';

const KEYWORDS = ['zebra', 'violin', 'copper', 'tulip', 'helmet', 'sardine', 'blanket', 'tractor', 'pepper', 'lantern'];
const FILLER = ['box', 'of', 'pcs', 'new', 'red', 'blue', 'small', 'large', 'pack', 'set', 'with', 'for', 'ctns', 'x', 'kg', 'premium'];

/** Deterministic texts: the class keyword among a few shared filler words (so only the keyword tells classes apart). */
function makeSplit(perClass: number, salt: number): { texts: string[]; y: Int32Array } {
  const texts: string[] = [];
  const y: number[] = [];
  let state = 12345 + salt * 7919;
  const rand = (n: number): number => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return (state >>> 8) % n; };
  for (let i = 0; i < perClass; i++) {
    for (let c = 0; c < KEYWORDS.length; c++) {
      const words = [`${10 + rand(90)}`, FILLER[rand(FILLER.length)]!, FILLER[rand(FILLER.length)]!, FILLER[rand(FILLER.length)]!];
      words.splice(rand(words.length + 1), 0, i % 2 === 0 ? KEYWORDS[c]!.toUpperCase() : KEYWORDS[c]!);
      texts.push(words.join(' '));
      y.push(c);
    }
  }
  return { texts, y: Int32Array.from(y) };
}

const labels = KEYWORDS.map((k) => `class-${k}`);
const train = makeSplit(30, 1);
const valid = makeSplit(5, 2);
const test = makeSplit(10, 3);
const input: TrainInput = { texts: train.texts, y: train.y, labels, valid };
const options = (over: Partial<TrainOptions> = {}): TrainOptions => ({ seed: 7, threads: 1, params: {}, ...over });

function metaOf(model: Classifier, s: ReturnType<Classifier['serialise']>): ArtifactMeta {
  return {
    kind: model.kind, labels: model.labels, featuriser: s.featuriser, params: s.params,
    training: { seed: 7, upsample: false, trainRows: train.texts.length, validRows: valid.texts.length },
    metrics: {}, codeVersion: 'test',
  };
}

function artifactOf(model: Classifier): Buffer {
  const s = model.serialise();
  return encodeArtifact(metaOf(model, s), s.sections);
}

function predict(model: Classifier, texts: readonly string[]): Float32Array {
  const out = new Float32Array(texts.length * model.labels.length);
  model.predictProba(texts, out);
  return out;
}

function accuracy(proba: Float32Array, y: Int32Array, k: number): number {
  let right = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
    if (best === y[i]) right++;
  }
  return right / y.length;
}

describe('linear model kind', () => {
  const trained = linearKind.train(input, options());

  it('learns the keyword task and gives probabilities that sum to 1', async () => {
    const model = await trained;
    const proba = predict(model, test.texts);
    assert.ok(accuracy(proba, test.y, labels.length) >= 0.95, `accuracy ${accuracy(proba, test.y, labels.length)}`);
    for (let i = 0; i < test.texts.length; i++) {
      let sum = 0;
      for (let c = 0; c < labels.length; c++) {
        const p = proba[i * labels.length + c]!;
        assert.ok(p >= 0 && p <= 1);
        sum += p;
      }
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
    }
  });

  it('fits a positive softmax temperature on the validation split and records it', async () => {
    const t = (await trained).serialise().params['temperature'];
    assert.equal(typeof t, 'number');
    assert.ok((t as number) > 0 && Number.isFinite(t as number));
    assert.notEqual(t, 1, 'the temperature was fitted, not left at its start value');
  });

  it('round-trips through the artifact with identical predictions', async () => {
    const model = await trained;
    const bytes = artifactOf(model);
    const loaded = decodeArtifact(bytes, 'memory');
    const again = linearKind.load(loaded.header, loaded.sections);
    assert.deepEqual(again.labels, model.labels);
    assert.deepEqual(predict(again, test.texts), predict(model, test.texts));
    assert.ok(artifactOf(again).equals(bytes), 're-serialising the loaded model gives the same bytes');
  });

  it('writes byte-identical artifacts for 1 and 2 threads and for repeated runs', async () => {
    const one = artifactOf(await trained);
    const two = artifactOf(await linearKind.train(input, options({ threads: 2 })));
    const oneAgain = artifactOf(await linearKind.train(input, options({ threads: 1 })));
    assert.ok(one.equals(two), 'threads 1 vs 2');
    assert.ok(one.equals(oneAgain), 'repeated run');
    const otherSeed = artifactOf(await linearKind.train(input, options({ seed: 8 })));
    assert.ok(otherSeed.length > 0);
  });

  it('explains a prediction by the keyword that defines the class', async () => {
    const model = await trained;
    const text = '12 pack blue VIOLIN with box';
    const top = model.explain(text, labels.indexOf('class-violin'), 5);
    assert.ok(top.length > 0 && top.length <= 5);
    assert.ok(top[0]!.feature.includes('vio') || top[0]!.feature.includes('lin'), `top feature ${top[0]!.feature}`);
    assert.ok(top.some((c) => c.feature === 'violin'), `features: ${top.map((c) => c.feature).join(', ')}`);
    for (let i = 1; i < top.length; i++) assert.ok(top[i - 1]!.weight >= top[i]!.weight, 'strongest first');
    assert.throws(() => model.explain(text, labels.length, 5), InputError);
  });

  it('also learns with the logistic loss', async () => {
    const model = await linearKind.train(input, options({ params: { loss: 'logistic', C: 10 } }));
    assert.ok(accuracy(predict(model, test.texts), test.y, labels.length) >= 0.95);
  });

  it('rejects with InterruptedError when aborted before or during training', async () => {
    const before = new AbortController();
    before.abort();
    await assert.rejects(linearKind.train(input, options({ signal: before.signal })), InterruptedError);
    const during = new AbortController();
    let trainEvents = 0;
    await assert.rejects(linearKind.train(input, options({
      signal: during.signal, threads: 2,
      onProgress: (p) => { if (p.phase === 'train' && ++trainEvents === 1) during.abort(); },
    })), InterruptedError);
    assert.ok(trainEvents >= 1);
  });

  it('refuses bad input with an InputError naming the problem', async () => {
    await assert.rejects(linearKind.train(input, options({ params: { lossy: 'svm' } })), (e: unknown) => e instanceof InputError && /lossy/.test(e.message));
    await assert.rejects(linearKind.train(input, options({ params: { C: -1 } })), (e: unknown) => e instanceof InputError && /\bC\b/.test(e.message));
    const badY = Int32Array.from(train.y);
    badY[3] = labels.length;
    await assert.rejects(linearKind.train({ ...input, y: badY }, options()), (e: unknown) => e instanceof InputError && /row 3/.test(e.message));
    await assert.rejects(linearKind.train({ ...input, y: train.y.subarray(1) }, options()), InputError);
  });

  it('refuses an inconsistent artifact with an ArtifactError', async () => {
    const model = await trained;
    const s = model.serialise();
    const sections = new Map<string, SectionArray>(s.sections);
    sections.delete('weights.bias');
    assert.throws(() => linearKind.load(metaOf(model, s), sections), ArtifactError);
    const short = new Map<string, SectionArray>(s.sections);
    short.set('weights.value', new Float32Array(1));
    assert.throws(() => linearKind.load(metaOf(model, s), short), ArtifactError);
  });
});
