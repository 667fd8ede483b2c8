import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsv, type CsvTable } from '../../src/data/csv.js';

/** The shared HS data (../shared/datasets, beside the project, as in CI). */
export const HS6_CSV = new URL('../../../../shared/datasets/hs-nomenclature/hs6.csv', import.meta.url).pathname;
export const HS_GOODS_CSV = new URL('../../../../shared/datasets/hs-goods/train.csv', import.meta.url).pathname;

/**
 * Pre-2022 HS codes of hs-goods that HS 2022 no longer has, and what the HS 2017 -> HS 2022
 * correlation makes of them: yoghurt 0403.10 -> 0403.20 (renumbered), surface-active preparations
 * 3402.20 -> 3402.50 (renumbered), men's overcoats 6201.19 and anoraks 6201.99 -> 6201.90 (merged),
 * electric lamps n.e.s. 9405.40 and mobile telephones 8517.12 (split). 3822.00 (reagents) is left
 * out of the table on purpose: its rows have no way into HS 2022.
 */
export const LEGACY = {
  '040310': 'Yogurt',
  '340220': 'Washing preparations, put up for retail sale',
  '620119': "Men's or boys' overcoats, car-coats, capes, cloaks; of other textile materials",
  '620199': "Men's or boys' anoraks, wind-cheaters; of other textile materials",
  '940540': 'Electric lamps and lighting fittings n.e.s.',
  '851712': 'Telephones for cellular networks or for other wireless networks',
  '382200': 'Diagnostic or laboratory reagents on a backing',
} as const;

export const CORRELATION_CSV = `old,new
040310,040320
340220,340250
620119,620190
620199,620190
940540,940541
940540,940542
940540,940549
851712,851713;851714
`;

export interface HsFixture {
  readonly goodsCsv: string;
  readonly hs2017Csv: string;
  readonly correlationCsv: string;
  /** Rows of the subset per label. */
  readonly counts: ReadonlyMap<string, number>;
  readonly rows: number;
}

/**
 * A small subset of hs-goods (the first `valid` rows whose code HS 2022 has, and up to `perLegacy`
 * rows of each legacy code), an "HS 2017" taxonomy file for its codes (hs6.csv rows, plus the legacy
 * codes with their old descriptions) and the correlation table, written to `dir`.
 */
export function writeHsFixture(dir: string, valid = 120, perLegacy = 6): HsFixture {
  const { hs6, goods } = sharedTables();
  const h = (name: string) => hs6.header.indexOf(name);
  const hs2022 = new Map(hs6.records.map((r) => [r[h('label')]!, r]));
  const g = goods.header.indexOf('label');
  const counts = new Map<string, number>();
  const kept: (readonly string[])[] = [];
  let validKept = 0;
  for (const r of goods.records) {
    const code = r[g]!;
    const legacy = code in LEGACY;
    if (legacy ? (counts.get(code) ?? 0) >= perLegacy : !hs2022.has(code) || validKept >= valid) continue;
    if (!legacy) validKept++;
    counts.set(code, (counts.get(code) ?? 0) + 1);
    kept.push(r);
  }
  const csvLine = (fields: readonly string[]) => fields.map((f) => (/[",\n\r]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',');
  const goodsCsv = join(dir, 'hs-goods-subset.csv');
  writeFileSync(goodsCsv, [csvLine(goods.header), ...kept.map(csvLine)].join('\n') + '\n');
  const hs2017Csv = join(dir, 'hs2017.csv');
  const taxonomyRows = [...counts.keys()].sort().map((code) => {
    const now = hs2022.get(code);
    if (now !== undefined) return [code, now[h('text')]!, now[h('label_4')]!, now[h('label_2')]!];
    return [code, LEGACY[code as keyof typeof LEGACY], code.slice(0, 4), code.slice(0, 2)];
  });
  writeFileSync(hs2017Csv, [csvLine(['label', 'text', 'label_4', 'label_2']), ...taxonomyRows.map(csvLine)].join('\n') + '\n');
  const correlationCsv = join(dir, 'hs2017-hs2022.csv');
  writeFileSync(correlationCsv, CORRELATION_CSV);
  return { goodsCsv, hs2017Csv, correlationCsv, counts, rows: kept.length };
}

let parsed: { readonly hs6: CsvTable; readonly goods: CsvTable } | undefined;

/** The two shared files, parsed once per test process (hs-goods has 43k rows). */
function sharedTables(): { readonly hs6: CsvTable; readonly goods: CsvTable } {
  parsed ??= { hs6: parseCsv(readFileSync(HS6_CSV, 'utf8'), HS6_CSV), goods: parseCsv(readFileSync(HS_GOODS_CSV, 'utf8'), HS_GOODS_CSV) };
  return parsed;
}
