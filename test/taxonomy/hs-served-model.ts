import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Verb } from '../../src/cli/context.js';
import { parseCsv, type CsvTable } from '../../src/data/csv.js';
import { verb as taxonomyVerb } from '../../src/cli/taxonomy.js';
import { verb as trainVerb } from '../../src/cli/train.js';
import { runVerb } from '../helpers/run-cli.js';
import { HS6_CSV, writeHsFixture, type HsFixture } from './hs-fixtures.js';

/** Runs a verb in-process and returns its stdout; a failure fails the test with its stderr. */
export async function ok(verb: Verb, argv: readonly string[]): Promise<string> {
  const r = await runVerb(verb, argv);
  assert.equal(r.code, 0, `lading ${argv.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

export interface HsHome {
  readonly home: string;
  readonly fx: HsFixture;
  /** A linear model trained on the fixture's HS 2017 labels (some of which HS 2022 lacks). */
  readonly model: string;
  /** HS 2022 codes and their descriptions (the shared hs6.csv). */
  readonly hs2022: ReadonlyMap<string, string>;
  readonly goods: CsvTable;
  /** The fixture's texts labelled `code`. */
  textsOf(code: string): string[];
}

/**
 * A lading home under `dir` holding what serving under a taxonomy needs: taxonomies hs2022 (the
 * shared HS data) and hs2017 (the fixture's), the correlation table between them, and a model
 * trained on the HS 2017 labels.
 */
export async function hsHomeWithModel(dir: string): Promise<HsHome> {
  const home = join(dir, 'home');
  const fx = writeHsFixture(dir, 120, 6);
  await ok(taxonomyVerb, ['import', 'hs2022', HS6_CSV, '--home', home]);
  await ok(taxonomyVerb, ['import', 'hs2017', fx.hs2017Csv, '--home', home]);
  await ok(taxonomyVerb, ['map', 'hs2017', 'hs2022', fx.correlationCsv, '--home', home]);
  const model = join(dir, 'hs2017.lading');
  await ok(trainVerb, ['--data', fx.goodsCsv, '--label', 'label', '--model', 'linear', '--out', model, '--home', home, '--seed', '1']);
  const hs6 = parseCsv(readFileSync(HS6_CSV, 'utf8'), HS6_CSV);
  const hs2022 = new Map(hs6.records.map((r) => [r[hs6.header.indexOf('label')]!, r[hs6.header.indexOf('text')]!]));
  const goods = parseCsv(readFileSync(fx.goodsCsv, 'utf8'), fx.goodsCsv);
  const label = goods.header.indexOf('label');
  const text = goods.header.indexOf('text');
  return { home, fx, model, hs2022, goods, textsOf: (code) => goods.records.filter((r) => r[label] === code).map((r) => r[text]!) };
}

/** A model retrained on the fixture rows whose code HS 2022 has (a model that speaks the new taxonomy). */
export async function trainOnHs2022(dir: string, hs: HsHome): Promise<string> {
  const valid = join(dir, 'hs2022-only.csv');
  const { goods } = hs;
  const keep = goods.records.filter((r) => hs.hs2022.has(r[goods.header.indexOf('label')]!));
  const line = (r: readonly string[]) => r.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
  writeFileSync(valid, [line(goods.header), ...keep.map(line)].join('\n') + '\n');
  const retrained = join(dir, 'hs2022.lading');
  await ok(trainVerb, ['--data', valid, '--label', 'label', '--model', 'linear', '--out', retrained, '--home', hs.home, '--seed', '1']);
  return retrained;
}
