import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A real workspace in a temp folder with a model trained on a point-in-time training set, through
 * the real CLI (child processes, as a user runs it). The texts say nothing (each comes once with
 * either label); the importer's top chapter, a feature, says everything: textiles importers (61)
 * and hardware importers (73). So a model measured without its features scores about a coin toss,
 * and with them close to 1.
 */
const BIN = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));

const PROJECT = `home: ./home
features:
  entities:
    importer: { joinKey: importer_id }
  views:
    importer_history:
      entity: importer
      timestamp: event_time
      features: { top_chapter: string, lines_30d: int }
`;

export const COLUMNS = ['importer_history:top_chapter', 'importer_history:lines_30d'] as const;
/** When "flip" switched from textiles to hardware: a row one second earlier must still see textiles. */
export const FLIP_AT = '2026-03-01T00:00:00Z';

export interface CliResult { readonly code: number; readonly stdout: string; readonly stderr: string }

export interface FeatureWorkspace {
  readonly dir: string;
  readonly model: string;
  write(name: string, lines: readonly string[]): string;
  lading(...argv: string[]): CliResult;
  close(): void;
}

const importerOf = (i: number): { importer: string; label: string; chapter: string } => (i % 2 === 0
  ? { importer: `imp${(i / 2) % 20}`, label: 'textiles', chapter: '61' }
  : { importer: `imp${20 + ((i - 1) / 2) % 20}`, label: 'hardware', chapter: '73' });

/** `rows` examples of the constructed task, texts numbered from `firstText` (new numbers: texts the model never saw). */
export function taskRows(rows: number, firstText: number): Array<{ text: string; label: string; importer: string; chapter: string }> {
  return Array.from({ length: rows }, (_, i) => ({ text: `goods lot ${firstText + Math.floor(i / 2)}`, ...importerOf(i) }));
}

export function openFeatureWorkspace(): FeatureWorkspace {
  const dir = mkdtempSync(join(tmpdir(), 'lading-feature-eval-'));
  const write = (name: string, lines: readonly string[]) => {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  };
  const project = write('lading.yaml', [PROJECT]);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LADING_')));
  const lading = (...argv: string[]): CliResult => {
    const r = spawnSync(process.execPath, [BIN, ...argv, '--project', project, '--threads', '1'], { encoding: 'utf8', cwd: dir, env });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const must = (...argv: string[]): CliResult => {
    const r = lading(...argv);
    if (r.code !== 0) throw new Error(`lading ${argv.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  };
  try {
    must('features', 'apply', '--actor', 'test');
    const history = write('history.csv', [
      'importer_id,event_time,top_chapter,lines_30d',
      ...Array.from({ length: 40 }, (_, k) => `imp${k},2026-01-01,${k < 20 ? 61 : 73},5`),
      'flip,2026-01-01,61,5',
      `flip,${FLIP_AT},73,5`,
    ]);
    must('features', 'ingest', 'importer_history', history, '--actor', 'test');
    const examples = write('examples.csv', ['importer_id,event_time,text,label', ...taskRows(400, 0).map((r) => `${r.importer},2026-02-01,${r.text},${r.label}`)]);
    const set = JSON.parse(must('features', 'training-set', '--examples', examples, '--features', COLUMNS.join(','), '--json').stdout) as { dataset: { id: string } };
    const model = join(dir, 'model.lading');
    must('train', '--data', set.dataset.id, '--model', 'linear', '--out', model, '--json');
    return { dir, model, write, lading, close: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
