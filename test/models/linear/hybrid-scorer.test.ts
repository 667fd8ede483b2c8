import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HybridScorer } from '../../../src/models/linear/hybrid-scorer.js';
import type { InvertedWeights } from '../../../src/models/linear/inverted-weights.js';

/** Random inverted weights: column f holds a list over a random subset of classes (ascending). */
function randomWeights(columns: number, classes: number, seed: number): InvertedWeights {
  let s = seed;
  const rand = (): number => { s = (Math.imul(s, 1103515245) + 12345) >>> 0; return s / 4294967296; };
  const indptr = new Uint32Array(columns + 1);
  const cls: number[] = [];
  const w: number[] = [];
  for (let f = 0; f < columns; f++) {
    const density = f % 3 === 0 ? 0.9 : f % 3 === 1 ? 0.3 : 0.02;
    for (let c = 0; c < classes; c++) if (rand() < density) { cls.push(c); w.push(rand() * 2 - 1); }
    indptr[f + 1] = cls.length;
  }
  const bias = new Float32Array(classes).map(() => rand() - 0.5);
  return { indptr, classIds: Uint16Array.from(cls), weights: Float32Array.from(w), bias };
}

function reference(w: InvertedWeights, classes: number, cols: Int32Array, vals: Float32Array): Float64Array {
  const out = Float64Array.from(w.bias);
  for (let k = 0; k < cols.length; k++) {
    const f = cols[k]!;
    for (let j = w.indptr[f]!; j < w.indptr[f + 1]!; j++) out[w.classIds[j]!] = out[w.classIds[j]!]! + vals[k]! * w.weights[j]!;
  }
  return out.subarray(0, classes);
}

test('hybrid scores equal the sparse sum whichever columns are dense, including rows beyond one kernel chunk', () => {
  const classes = 37;
  const columns = 700;
  const w = randomWeights(columns, classes, 7);
  const cols = Int32Array.from({ length: 600 }, (_, i) => (i * 7 + 3) % columns);
  const vals = Float32Array.from({ length: 600 }, (_, i) => ((i % 11) - 5) / 10);
  const want = reference(w, classes, cols, vals);
  for (const denseFraction of [0, 0.1, 0.5, 1.01]) {
    const scorer = new HybridScorer(w, classes, { denseFraction, maxDenseBytes: 1 << 30 });
    const got = scorer.score(cols, vals, cols.length);
    for (let c = 0; c < classes; c++) assert.ok(Math.abs(got[c]! - want[c]!) < 1e-4, `fraction ${denseFraction} class ${c}: ${got[c]} vs ${want[c]}`);
    // A second call starts from the bias again.
    const few = scorer.score(cols.subarray(0, 5), vals.subarray(0, 5), 5);
    const wantFew = reference(w, classes, cols.subarray(0, 5), vals.subarray(0, 5));
    for (let c = 0; c < classes; c++) assert.ok(Math.abs(few[c]! - wantFew[c]!) < 1e-5);
  }
  assert.equal(new HybridScorer(w, classes, { denseFraction: 1.01, maxDenseBytes: 1 << 30 }).denseColumns, 0);
  assert.ok(new HybridScorer(w, classes, { denseFraction: 0.5, maxDenseBytes: 1 << 30 }).denseColumns > 0);
});

test('the dense block stays within its byte budget', () => {
  const classes = 40;
  const w = randomWeights(300, classes, 3);
  const scorer = new HybridScorer(w, classes, { denseFraction: 0, maxDenseBytes: 50 * classes * 4 });
  assert.ok(scorer.denseColumns <= 50 && scorer.denseColumns > 0, `dense columns ${scorer.denseColumns}`);
});

test('softmaxInto matches a float64 softmax of the scores at the temperature', () => {
  const classes = 23;
  const w = randomWeights(50, classes, 11);
  const scorer = new HybridScorer(w, classes, { denseFraction: 0.2, maxDenseBytes: 1 << 30 });
  const cols = Int32Array.from([1, 4, 9, 16, 25, 36, 49]);
  const vals = Float32Array.from([0.5, -0.3, 0.2, 0.9, -0.1, 0.4, 0.3]);
  const raw = Float64Array.from(scorer.score(cols, vals, cols.length).subarray(0, classes));
  const out = new Float32Array(classes + 2).fill(-1);
  for (const t of [0.5, 3, 40]) {
    scorer.score(cols, vals, cols.length);
    scorer.softmaxInto(t, out, 1);
    const max = Math.max(...raw);
    const e = Array.from(raw, (v) => Math.exp(t * (v - max)));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < classes; c++) assert.ok(Math.abs(out[1 + c]! - e[c]! / sum) < 1e-6, `t ${t} class ${c}`);
    assert.equal(out[0], -1);
    assert.equal(out[classes + 1], -1);
  }
});
