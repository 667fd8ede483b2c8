import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { makeContext } from '../../src/cli/context.js';
import { verb } from '../../src/cli/data.js';
import { InputError, LadingError, NotFoundError } from '../../src/core/errors.js';

const BIN = fileURLToPath(new URL('../../../bin/lading.js', import.meta.url));

interface Run { code: number; stdout: string; stderr: string }

/** Runs `lading data ...` in-process; errors propagate as thrown (main.ts would render them). */
async function data(argv: readonly string[]): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  stderr.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  const ctx = makeContext({ argv, stdout, stderr, stdin: new PassThrough(), env: {}, isTTY: false, signal: new AbortController().signal });
  const code = await verb.run(ctx);
  return { code, stdout: out, stderr: err };
}

function setup(t: TestContext): { home: string; write(name: string, content: string | Uint8Array): string } {
  const dir = mkdtempSync(join(tmpdir(), 'lading-cli-data-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    home: join(dir, 'home'),
    write(name, content) { const p = join(dir, name); writeFileSync(p, content); return p; },
  };
}

const CSV = 'text,label,label_department\r\n"Milk, whole",milk,dairy\r\nBread,bread,bakery\r\n"MILK,  whole",milk,dairy\r\nSourdough,bread,bakery\r\nbread,cakes,bakery\r\n';
const JSONL = [
  { text: 'Milk, whole', label: 'milk', label_department: 'dairy' },
  { text: 'Bread', label: 'bread', label_department: 'bakery' },
  { text: 'MILK,  whole', label: 'milk', label_department: 'dairy' },
  { text: 'Sourdough', label: 'bread', label_department: 'bakery' },
  { text: 'bread', label: 'cakes', label_department: 'bakery' },
].map((o) => JSON.stringify(o)).join('\n') + '\n';

/** What must not change when an import fails: dataset rows and artifact files. */
function workspaceState(home: string): { datasets: string[]; artifacts: string[] } {
  if (!existsSync(join(home, 'lading.db'))) return { datasets: [], artifacts: [] };
  const db = new Database(join(home, 'lading.db'), { readonly: true });
  try {
    const datasets = db.prepare('SELECT id FROM datasets ORDER BY id').pluck().all() as string[];
    const root = join(home, 'artifacts', 'sha256');
    const artifacts = existsSync(root) ? readdirSync(root, { recursive: true }).map(String).sort() : [];
    return { datasets, artifacts };
  } finally {
    db.close();
  }
}

describe('lading data import', () => {
  it('imports a CSV, reports rows, classes, duplicates and conflicts, and is idempotent', async (t) => {
    const { home, write } = setup(t);
    const file = write('g.csv', CSV);
    const first = await data(['import', file, '--text', 'text', '--label', 'label', '--label', 'label_department', '--home', home]);
    assert.equal(first.code, 0);
    assert.match(first.stdout, /^imported new dataset version ds-[0-9a-f]{16}\n/);
    assert.match(first.stdout, /rows +5\n/);
    assert.match(first.stdout, /label \(3 classes\), label_department \(2 classes\)/);
    assert.match(first.stdout, /duplicates +2 rows/);
    assert.match(first.stdout, /conflicts +1 texts carry more than one label/);
    assert.match(first.stdout, /Top labels of label \(3 of 3\)/);
    assert.match(first.stdout, /Bread +bread x1, cakes x1/);
    const id = /ds-[0-9a-f]{16}/.exec(first.stdout)![0];

    const again = await data(['import', file, '--label', 'label,label_department', '--home', home, '--json']);
    const parsed = JSON.parse(again.stdout) as { created: boolean; dataset: { id: string; stats: { rows: number; duplicateRows: number } } };
    assert.equal(parsed.created, false);
    assert.equal(parsed.dataset.id, id);
    assert.equal(parsed.dataset.stats.duplicateRows, 2);
  });

  it('the same rows as JSONL are the same version', async (t) => {
    const { home, write } = setup(t);
    const a = JSON.parse((await data(['import', write('g.csv', CSV), '--label', 'label,label_department', '--home', home, '--json'])).stdout) as { created: boolean; dataset: { id: string } };
    const b = JSON.parse((await data(['import', write('g.jsonl', JSONL), '--label', 'label,label_department', '--home', home, '--json'])).stdout) as { created: boolean; dataset: { id: string } };
    assert.equal(a.created, true);
    assert.equal(b.created, false);
    assert.equal(b.dataset.id, a.dataset.id);
    assert.equal(workspaceState(home).datasets.length, 1);
  });

  it('records --levels, and checks labels are long enough for them', async (t) => {
    const { home, write } = setup(t);
    const file = write('hs.csv', 'text,label\nbottles,392410\nbowls,392410\n');
    const r = JSON.parse((await data(['import', file, '--levels', '2,4,6', '--home', home, '--json'])).stdout) as { dataset: { levels: number[] } };
    assert.deepEqual(r.dataset.levels, [2, 4, 6]);
    const short = write('short.csv', 'text,label\nbottles,392410\nbowls,3924\n');
    await assert.rejects(data(['import', short, '--levels', '2,4,6', '--home', home]), (e: unknown) =>
      e instanceof InputError && e.facts['row'] === 2 && e.message.includes('"3924"'));
    await assert.rejects(data(['import', file, '--levels', '4,2', '--home', home]), (e: unknown) => e instanceof InputError && e.code === 'bad-levels');
  });

  describe('bad input: a clear InputError, and the workspace is unchanged', () => {
    const cases: { name: string; file: string; content: string | Uint8Array; args?: string[]; code: string; facts: Record<string, unknown>; says: string[] }[] = [
      { name: 'missing column', file: 'a.csv', content: 'title,label\nx,1\n', code: 'missing-column', facts: { row: 1, column: 'text' }, says: ['no column "text"', '"title", "label"'] },
      { name: 'ragged row', file: 'a.csv', content: 'text,label\nx,1\ny,2,3\n', code: 'csv-ragged-row', facts: { row: 3 }, says: ['line 3 has 3 fields', 'header has 2'] },
      { name: 'invalid UTF-8', file: 'a.csv', content: Buffer.concat([Buffer.from('text,label\nok,1\nCaf'), Buffer.from([0xe9]), Buffer.from(',2\n')]), code: 'invalid-utf8', facts: { row: 3 }, says: ['line 3', 'UTF-8'] },
      { name: 'empty label', file: 'a.csv', content: 'text,label\nx,1\ny,\n', code: 'empty-label', facts: { row: 3, column: 'label' }, says: ['line 3', '"label"', 'empty'] },
      { name: 'not CSV/JSONL', file: 'a.xlsx', content: 'PK', code: 'unsupported-format', facts: {}, says: ['not CSV/JSONL'] },
      { name: 'empty file', file: 'a.csv', content: '', code: 'empty-file', facts: {}, says: ['empty'] },
      { name: 'header only', file: 'a.csv', content: 'text,label\n', code: 'no-rows', facts: { row: 1 }, says: ['no data rows'] },
      { name: 'bad JSONL line', file: 'a.jsonl', content: '{"text":"x","label":"1"}\n{"text":"y",\n', code: 'jsonl-bad-line', facts: { row: 2 }, says: ['line 2', 'not valid JSON'] },
      { name: 'JSONL field missing', file: 'a.jsonl', content: '{"text":"x"}\n', code: 'missing-field', facts: { row: 1, column: 'label' }, says: ['no field "label"'] },
      { name: 'unterminated quote', file: 'a.csv', content: 'text,label\n"x,1\n', code: 'csv-unterminated-quote', facts: { row: 2, column: 'text' }, says: ['never closed'] },
    ];
    for (const c of cases) {
      it(c.name, async (t) => {
        const { home, write } = setup(t);
        await data(['import', write('good.csv', CSV), '--home', home]);
        const before = workspaceState(home);
        assert.equal(before.datasets.length, 1);
        const file = write(c.file, c.content);
        await assert.rejects(data(['import', file, '--home', home, ...(c.args ?? [])]), (e: unknown) => {
          assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
          assert.equal(e.code, c.code);
          assert.equal(e.facts['file'], file);
          assert.ok(e.message.includes(file), `message names the file: ${e.message}`);
          for (const [k, v] of Object.entries(c.facts)) assert.equal(e.facts[k], v, `fact ${k}`);
          for (const s of c.says) assert.ok(e.message.includes(s), `"${e.message}" should say "${s}"`);
          return true;
        });
        assert.deepEqual(workspaceState(home), before);
      });
    }

    it('a failed first import does not even create the workspace', async (t) => {
      const { home, write } = setup(t);
      await assert.rejects(data(['import', write('a.csv', 'text,label\nx,\n'), '--home', home]), InputError);
      assert.equal(existsSync(home), false);
    });
  });
});

describe('lading data list / show', () => {
  it('lists versions and shows one by prefix, as tables or JSON', async (t) => {
    const { home, write } = setup(t);
    assert.match((await data(['list', '--home', home])).stdout, /no dataset versions/);
    await data(['import', write('g.csv', CSV), '--label', 'label,label_department', '--home', home]);
    await data(['import', write('h.csv', 'text,label\na,x\nb,y\n'), '--home', home]);
    const list = await data(['list', '--home', home]);
    assert.equal(list.code, 0);
    const lines = list.stdout.trim().split('\n');
    assert.match(lines[0]!, /^id +created +rows +text +labels \(classes\) +source$/);
    assert.equal(lines.length, 4);
    assert.match(lines[2]!, /^ds-[0-9a-f]{16} .* 5 +text +label \(3\), label_department \(2\) .*g\.csv$/);

    const json = JSON.parse((await data(['list', '--home', home, '--json'])).stdout) as { id: string; stats: Record<string, unknown> }[];
    assert.equal(json.length, 2);
    assert.equal(json[0]!.stats['labelHistogram'], undefined);
    const id = json[0]!.id;

    const show = await data(['show', id.slice(0, 8), '--home', home]);
    assert.match(show.stdout, new RegExp(`^id +${id}$`, 'm'));
    assert.match(show.stdout, /Top labels of label_department/);
    const shown = JSON.parse((await data(['show', id, '--home', home, '--json'])).stdout) as { id: string; stats: { labelHistogram: Record<string, unknown[]> } };
    assert.equal(shown.id, id);
    assert.equal(shown.stats.labelHistogram['label']!.length, 3);
    await assert.rejects(data(['show', 'ds-ffff0000', '--home', home]), NotFoundError);
  });

  it('--help for the verb and each subcommand; unknown subcommands and stray arguments are errors', async () => {
    for (const argv of [['--help'], ['import', '--help'], ['list', '--help'], ['show', '-h']]) {
      const r = await data(argv);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Usage: lading data/);
    }
    assert.equal((await data([])).code, 2);
    await assert.rejects(data(['frobnicate']), (e: unknown) => e instanceof InputError && e.message.includes('frobnicate'));
    await assert.rejects(data(['import']), (e: unknown) => e instanceof InputError && e.message.includes('FILE'));
    await assert.rejects(data(['import', 'a.csv', '--colour']), (e: unknown) => e instanceof LadingError && e.message.includes('--colour'));
  });
});

describe('lading data as a real process', () => {
  it('imports with exit code 0 and fails bad input with exit code 2 and a message on stderr', (t) => {
    const { home, write } = setup(t);
    const file = write('g.csv', CSV);
    const ok = spawnSync(process.execPath, [BIN, 'data', 'import', file, '--label', 'label', '--home', home, '--json'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as { created: boolean; dataset: { id: string; stats: { rows: number } } };
    assert.equal(out.created, true);
    assert.equal(out.dataset.stats.rows, 5);

    const bad = write('bad.csv', 'text,label\nx,1\ny,2,3\n');
    const failed = spawnSync(process.execPath, [BIN, 'data', 'import', bad, '--home', home], { encoding: 'utf8' });
    assert.equal(failed.status, 2);
    assert.match(failed.stderr, /^error: .*bad\.csv: line 3 has 3 fields, but the header has 2/);
    assert.equal(failed.stdout, '');

    const list = spawnSync(process.execPath, [BIN, 'data', 'list', '--home', home, '--json'], { encoding: 'utf8' });
    assert.deepEqual((JSON.parse(list.stdout) as { id: string }[]).map((v) => v.id), [out.dataset.id]);
  });
});

describe('lading data import defaults, said and done', () => {
  it('--text and --label default to "text" and "label" (as in `lading train`), and the help says so', async (t) => {
    const { home, write } = setup(t);
    const help = await data(['import', '--help']);
    assert.match(help.stdout, /^Usage: lading data import FILE \[--text COL\] \[--label COL/);
    assert.match(help.stdout, /--text COL +the text column \(default "text"\)/);
    assert.match(help.stdout, /\(default "label", as in `lading train`\)/);
    const r = await data(['import', write('d.csv', CSV), '--home', home, '--json']);
    const out = JSON.parse(r.stdout) as { dataset: { textColumn: string; labelColumns: string[] } };
    assert.deepEqual([out.dataset.textColumn, out.dataset.labelColumns], ['text', ['label']]);
  });

  it('data list shows times as ISO 8601 UTC, like every verb', async (t) => {
    const { home, write } = setup(t);
    await data(['import', write('d.csv', CSV), '--home', home]);
    const list = await data(['list', '--home', home]);
    assert.match(list.stdout, /ds-\S+ +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +5 +text/);
    const show = await data(['show', (JSON.parse((await data(['list', '--home', home, '--json'])).stdout) as { id: string }[])[0]!.id, '--home', home]);
    assert.match(show.stdout, /^created +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
  });
});
