import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeArtifact, encodeArtifact, type ArtifactMeta } from '../../../src/models/artifact.js';
import type { Classifier, TrainInput, TrainProgress } from '../../../src/models/classifier.js';
import { InputError, InterruptedError, LadingError } from '../../../src/core/errors.js';
import { fastTextKind } from '../../../src/models/fasttext/index.js';

// Ten classes, each with its own keyword; the other words are shared noise, so a model that
// learns must pick up the keyword.
const KEYWORDS = ['apple', 'brick', 'cable', 'drill', 'eagle', 'flute', 'grape', 'horse', 'igloo', 'jelly'];
const NOISE = ['box', 'pcs', 'carton', 'set', 'pack', 'blue', 'large', 'steel', 'mini'];

function syntheticData(): TrainInput {
  const texts: string[] = [];
  const y: number[] = [];
  for (let c = 0; c < KEYWORDS.length; c++) {
    for (let i = 0; i < 30; i++) {
      const a = NOISE[(i + c) % NOISE.length]!;
      const b = NOISE[(i * 7 + 2 * c) % NOISE.length]!;
      texts.push(i % 2 === 0 ? `${i + 3} ${a} ${KEYWORDS[c]} ${b}` : `${KEYWORDS[c]!.toUpperCase()} ${b} x ${i}`);
      y.push(c);
    }
  }
  return { texts, y: Int32Array.from(y), labels: KEYWORDS, valid: { texts: [], y: new Int32Array(0) } };
}

const PARAMS = { dim: 16, buckets: 16_384, epochs: 12, lr: 1, batchSize: 4 };
const PROBES = KEYWORDS.map((k) => `some ${k} here`);

function metaOf(clf: Classifier, input: TrainInput): ArtifactMeta {
  const s = clf.serialise();
  return {
    kind: fastTextKind.name, labels: input.labels, featuriser: s.featuriser, params: s.params,
    training: { seed: 7, upsample: false, trainRows: input.texts.length, validRows: 0 }, metrics: {}, codeVersion: 'test',
  };
}

function artifactBytes(clf: Classifier, input: TrainInput): Buffer {
  return encodeArtifact(metaOf(clf, input), clf.serialise().sections);
}

function probabilities(clf: Classifier, texts: readonly string[]): Float32Array {
  const out = new Float32Array(texts.length * clf.labels.length);
  clf.predictProba(texts, out);
  return out;
}

describe('fasttext model kind', () => {
  const input = syntheticData();
  const trained = fastTextKind.train(input, { seed: 7, threads: 2, params: PARAMS });

  it('learns the class keywords, and probabilities sum to 1', async () => {
    const clf = await trained;
    const proba = probabilities(clf, PROBES);
    const classes = clf.labels.length;
    for (let i = 0; i < PROBES.length; i++) {
      const row = proba.subarray(i * classes, (i + 1) * classes);
      const sum = row.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
      const best = row.indexOf(Math.max(...row));
      assert.equal(clf.labels[best], KEYWORDS[i], `"${PROBES[i]}" predicted ${clf.labels[best]}`);
      assert.ok(row[i]! > 0.5, `"${PROBES[i]}" gets only ${row[i]} for its class`);
    }
  });

  it('explains a prediction by the class keyword', async () => {
    const clf = await trained;
    const top = clf.explain('5 carton GRAPE blue', KEYWORDS.indexOf('grape'), 3);
    assert.equal(top.length, 3);
    assert.equal(top[0]!.feature, 'grape');
    assert.ok(top[0]!.weight >= top[1]!.weight && top[1]!.weight >= top[2]!.weight);
    assert.throws(() => clf.explain('grape', 99, 3), RangeError);
  });

  it('survives serialise -> encode -> decode -> load with identical predictions', async () => {
    const clf = await trained;
    const decoded = decodeArtifact(artifactBytes(clf, input), 'memory');
    const loaded = fastTextKind.load(decoded.header, decoded.sections);
    const texts = [...PROBES, '', 'unseen words only', input.texts[17]!];
    assert.deepEqual(probabilities(loaded, texts), probabilities(clf, texts));
    assert.deepEqual(loaded.explain('grape box', 6, 5), clf.explain('grape box', 6, 5));
  });

  it('stores int8 rows that predict as the float32 ones do, and loads artifacts without row weights', async () => {
    const weighted = { ...PARAMS, idfPower: 1, charWeight: 0.5, hiddenNorm: 2 };
    const int8 = await fastTextKind.train(input, { seed: 7, threads: 2, params: weighted });
    const f32 = await fastTextKind.train(input, { seed: 7, threads: 2, params: { ...weighted, embeddingBits: 32 } });
    const texts = [...PROBES, input.texts[3]!];
    const a = probabilities(int8, texts);
    const b = probabilities(f32, texts);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 0.02, `probability ${i}: int8 ${a[i]} vs float32 ${b[i]}`);
    // A dimension that is not a multiple of 16: rows are copied one by one into the kernel's padded stride.
    const int8Odd = await fastTextKind.train(input, { seed: 7, threads: 2, params: { ...weighted, dim: 20 } });
    const f32Odd = await fastTextKind.train(input, { seed: 7, threads: 2, params: { ...weighted, dim: 20, embeddingBits: 32 } });
    const c = probabilities(int8Odd, texts);
    const d = probabilities(f32Odd, texts);
    for (let i = 0; i < c.length; i++) assert.ok(Math.abs(c[i]! - d[i]!) < 0.02, `dim 20, probability ${i}: int8 ${c[i]} vs float32 ${d[i]}`);
    const decoded = decodeArtifact(artifactBytes(int8, input), 'memory');
    assert.ok(decoded.sections.get('embedding') instanceof Int8Array);
    assert.deepEqual(probabilities(fastTextKind.load(decoded.header, decoded.sections), texts), a);
    assert.equal(int8.explain('5 carton GRAPE blue', KEYWORDS.indexOf('grape'), 1)[0]!.feature, 'grape');
    // An artifact from before n-gram weighting: no rowWeights section means every weight is 1.
    const plain = await fastTextKind.train(input, { seed: 7, threads: 2, params: { ...PARAMS, idfPower: 0, charWeight: 1 } });
    const old = decodeArtifact(artifactBytes(plain, input), 'memory');
    const sections = new Map(old.sections);
    sections.delete('rowWeights');
    assert.deepEqual(probabilities(fastTextKind.load(old.header, sections), texts), probabilities(plain, texts));
  });

  it('gives byte-identical artifacts for 1 and 2 threads and for repeated runs', async () => {
    const two = artifactBytes(await trained, input);
    const one = artifactBytes(await fastTextKind.train(input, { seed: 7, threads: 1, params: PARAMS }), input);
    const again = artifactBytes(await fastTextKind.train(input, { seed: 7, threads: 2, params: PARAMS }), input);
    assert.ok(one.equals(two), 'threads 1 and 2 differ');
    assert.ok(again.equals(two), 'a repeated run differs');
    const otherSeed = artifactBytes(await fastTextKind.train(input, { seed: 8, threads: 2, params: PARAMS }), input);
    assert.ok(!otherSeed.equals(two), 'the seed has no effect');
  });

  it('gives byte-identical artifacts whatever the threads claim: more threads than dimension chunks, a short last batch, dims not cut at 16', async () => {
    for (const params of [{ ...PARAMS, dim: 20, batchSize: 7, epochs: 3 }, { ...PARAMS, dim: 48, batchSize: 9, epochs: 3 }]) {
      const one = artifactBytes(await fastTextKind.train(input, { seed: 7, threads: 1, params }), input);
      for (const threads of [3, 4]) {
        const many = artifactBytes(await fastTextKind.train(input, { seed: 7, threads, params }), input);
        assert.ok(many.equals(one), `dim ${params.dim}: threads 1 and ${threads} differ`);
      }
    }
  });

  it('reports progress up to the total', async () => {
    const seen: TrainProgress[] = [];
    await fastTextKind.train(input, { seed: 7, threads: 2, params: { ...PARAMS, epochs: 2 }, onProgress: (p) => seen.push(p) });
    assert.ok(seen.length > 1);
    const last = seen[seen.length - 1]!;
    assert.equal(last.phase, 'train');
    assert.equal(last.done, last.total);
    assert.equal(last.total, 2 * input.texts.length);
    assert.equal(last.info?.['epoch'], 2);
    assert.equal(typeof last.info?.['loss'], 'number');
  });

  it('fails with a clear error instead of returning NaN weights when the learning rate is far too high', async () => {
    await assert.rejects(fastTextKind.train(input, { seed: 7, threads: 2, params: { ...PARAMS, hiddenNorm: 2, lr: 100 } }),
      (e: unknown) => e instanceof LadingError && e.code === 'training-diverged' && /lr/.test(e.hint ?? ''));
  });

  it('rejects with InterruptedError when aborted', async () => {
    const controller = new AbortController();
    const run = fastTextKind.train(input, {
      seed: 7, threads: 2, params: { ...PARAMS, epochs: 5000 }, signal: controller.signal,
      onProgress: (p) => { if (p.done > input.texts.length) controller.abort(); },
    });
    await assert.rejects(run, InterruptedError);
    const already = AbortSignal.abort();
    await assert.rejects(fastTextKind.train(input, { seed: 7, threads: 1, params: PARAMS, signal: already }), InterruptedError);
  });

  it('rejects bad params and bad labels with InputError naming them', async () => {
    await assert.rejects(fastTextKind.train(input, { seed: 7, threads: 1, params: { dimm: 3 } }),
      (e: unknown) => e instanceof InputError && /dimm/.test(e.message));
    await assert.rejects(fastTextKind.train(input, { seed: 7, threads: 1, params: { epochs: 0 } }),
      (e: unknown) => e instanceof InputError && /epochs/.test(e.message));
    await assert.rejects(fastTextKind.train(input, { seed: 7, threads: 1, params: { charMin: 4, charMax: 3 } }), InputError);
    await assert.rejects(fastTextKind.train(input, { seed: 7, threads: 1, params: { embeddingBits: 16 } }),
      (e: unknown) => e instanceof InputError && /embeddingBits/.test(e.message));
    const badY = { ...input, y: Int32Array.from(input.y, (v, i) => (i === 5 ? 10 : v)) };
    await assert.rejects(fastTextKind.train(badY, { seed: 7, threads: 1, params: PARAMS }),
      (e: unknown) => e instanceof InputError && e.facts['row'] === 5);
  });
});
