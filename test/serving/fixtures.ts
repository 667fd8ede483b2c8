import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateInvoiceLines } from '../../src/demo/invoice-lines.js';
import { runTraining } from '../../src/training/train-run.js';

export interface FixtureModels {
  readonly dir: string;
  /** Two fastText models on the same synthetic invoice lines, different seeds (different bytes). */
  readonly a: string;
  readonly b: string;
  readonly texts: readonly string[];
}

/** Small real models trained on generated invoice lines (a second or two), written to a temp dir. */
export async function trainFixtureModels(): Promise<FixtureModels> {
  const dir = mkdtempSync(join(tmpdir(), 'lading-serving-'));
  const lines = generateInvoiceLines({ rows: 1500, seed: 7, classes: 12 });
  const rows = { textColumn: 'text', labelColumns: ['label'], texts: lines.map((l) => l.text), labels: { label: lines.map((l) => l.label) } };
  const train = async (seed: number, file: string) => {
    const r = await runTraining({
      rows, labelColumn: 'label', kind: 'fasttext', seed, upsample: false, threads: 1, validFraction: 0.1,
      params: { epochs: 3, dim: 16, buckets: 65_536 },
    });
    const path = join(dir, file);
    writeFileSync(path, r.bytes);
    return path;
  };
  const a = await train(1, 'model-a.lading');
  const b = await train(2, 'model-b.lading');
  return { dir, a, b, texts: lines.slice(0, 200).map((l) => l.text) };
}
