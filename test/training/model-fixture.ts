import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeArtifact } from '../../src/models/artifact.js';
import { modelKind } from '../../src/models/kinds.js';

/**
 * A small synthetic HS-like task shared by the evaluation, prediction and CLI tests: each class has
 * its own product words, so a real model learns it in well under a second.
 */
export const FIXTURE_CLASSES: ReadonlyArray<{ readonly label: string; readonly words: readonly string[] }> = [
  { label: '392410', words: ['plastic', 'bottle', 'cup', 'bowl', 'tray'] },
  { label: '392490', words: ['plastic', 'hanger', 'bucket', 'basket', 'comb'] },
  { label: '940360', words: ['wooden', 'chair', 'table', 'cabinet', 'shelf'] },
  { label: '871150', words: ['motorcycle', 'engine', 'helmet', 'scooter', 'bike'] },
];

/** Deterministic texts: `count` rows cycling over the classes, with packaging noise as in real invoices. */
export function fixtureRows(count: number, seed = 1): Array<{ text: string; label: string }> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const rows: Array<{ text: string; label: string }> = [];
  for (let i = 0; i < count; i++) {
    const cls = FIXTURE_CLASSES[i % FIXTURE_CLASSES.length]!;
    const w = () => cls.words[Math.floor(rnd() * cls.words.length)]!;
    rows.push({ text: `${1 + Math.floor(rnd() * 90)} CTNS ${w()} ${w()} ${w().toUpperCase()}`, label: cls.label });
  }
  return rows;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `lading-${prefix}-`));
}

/** Trains a real model of `kindName` on fixture rows and writes its artifact; returns the path. */
export async function trainFixtureModel(dir: string, kindName = 'fasttext', rows = 400): Promise<string> {
  const kind = await modelKind(kindName);
  const train = fixtureRows(rows, 7);
  const labels = FIXTURE_CLASSES.map((c) => c.label);
  const id = (l: string) => labels.indexOf(l);
  const valid = fixtureRows(40, 99);
  // Small settings where a kind's defaults would take seconds on 400 rows; other kinds use defaults.
  const SMALL: Record<string, Record<string, unknown>> = {
    fasttext: { dim: 16, buckets: 1 << 16, epochs: 5 },
    textcnn: { dim: 16, filters: 8, epochs: 3 },
  };
  const params = SMALL[kindName] ?? {};
  const classifier = await kind.train(
    { texts: train.map((r) => r.text), y: Int32Array.from(train.map((r) => id(r.label))), labels,
      valid: { texts: valid.map((r) => r.text), y: Int32Array.from(valid.map((r) => id(r.label))) } },
    { seed: 1, threads: 1, params },
  );
  const s = classifier.serialise();
  const bytes = encodeArtifact({
    kind: kindName, labels, featuriser: s.featuriser, params: s.params,
    training: { seed: 1, upsample: false, trainRows: train.length, validRows: valid.length },
    metrics: {}, codeVersion: 'test',
  }, s.sections);
  const path = join(dir, `${kindName}.lading`);
  writeFileSync(path, bytes);
  return path;
}

/** Writes fixture rows as a CSV file (text,label) and returns its path. */
export function writeFixtureCsv(dir: string, name: string, rows: ReadonlyArray<{ text: string; label: string }>): string {
  const path = join(dir, name);
  writeFileSync(path, `text,label\n${rows.map((r) => `"${r.text.replace(/"/g, '""')}",${r.label}`).join('\n')}\n`);
  return path;
}

/**
 * Fixture texts where confidence means something: 70% name one class's words, 30% mix two classes'
 * words and carry either label, so the most confident answers are right and the mixed half-right.
 */
export function mixedRows(count: number, seed: number): Array<{ text: string; label: string }> {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const a = FIXTURE_CLASSES[i % FIXTURE_CLASSES.length]!;
    const n = 1 + Math.floor(rnd() * 900);
    if (rnd() < 0.7) return { text: `${n} CTNS ${pick(a.words)} ${pick(a.words)} ${pick(a.words)}`, label: a.label };
    const b = FIXTURE_CLASSES[(i + 1) % FIXTURE_CLASSES.length]!;
    return { text: `${n} PCS ${pick(a.words)} ${pick(b.words)} ${pick(a.words)} ${pick(b.words)}`, label: rnd() < 0.5 ? a.label : b.label };
  });
}
