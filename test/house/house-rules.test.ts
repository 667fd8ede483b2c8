import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkHouseRules, LAYER_IMPORTS, type Violation } from './house-rules.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

/**
 * Known violations that other branches are removing, as exact (rule, file, target) triples, each
 * with the reason it is tolerated. Remove an entry when its branch lands; an entry that no longer
 * matches anything fails the test, so the list cannot go stale. Keep it empty if you can.
 */
const ALLOWED: ReadonlyArray<{ readonly rule: Violation['rule']; readonly file: string; readonly target: string; readonly why: string }> = [];

const allowed = (v: Violation): boolean => ALLOWED.some((a) => a.rule === v.rule && a.file === v.file && a.target === v.target);

test('src/ keeps the house rules: layer imports point inward, no import cycles, process.env/argv only in config/ and cli/', () => {
  const report = checkHouseRules(SRC);
  assert.ok(report.files.length > 100, `expected to read src/, read ${report.files.length} files from ${SRC}`);
  const broken = report.violations.filter((v) => !allowed(v));
  assert.equal(broken.length, 0, `house rules broken (see ../shared/DESIGN.md "Layers"):\n${broken.map((v) => `  [${v.rule}] ${v.message}`).join('\n')}`);
});

test('every allow-list entry still matches a violation (remove entries whose branch has landed)', () => {
  const report = checkHouseRules(SRC);
  const stale = ALLOWED.filter((a) => !report.violations.some((v) => v.rule === a.rule && v.file === a.file && v.target === a.target));
  assert.deepEqual(stale, []);
});

test('the checker reads the real import graph: every relative import of src/ resolves to a file', () => {
  const report = checkHouseRules(SRC);
  assert.ok(report.edges.length > 300, `only ${report.edges.length} import edges found`);
  assert.ok(report.edges.some((e) => e.from === 'src/models/artifact.ts' && e.to === 'src/core/artifact-format.ts'));
  assert.deepEqual(report.violations.filter((v) => v.rule === 'unresolved'), []);
});

/** Writes `files` (path under src/ -> source) into a fresh temp project and checks it. */
function checkSynthetic(files: Record<string, string>): Violation[] {
  const root = mkdtempSync(join(tmpdir(), 'lading-house-'));
  try {
    for (const [path, source] of Object.entries(files)) {
      const full = join(root, 'src', path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, source);
    }
    return [...checkHouseRules(join(root, 'src')).violations];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('self-test: an outward import is named with file, line and rule, in every import form', () => {
  const found = checkSynthetic({
    'core/ids.ts': 'export const id = 1;\n',
    'models/classifier.ts': 'export type Classifier = { kind: string };\n',
    'serving/runtime.ts': 'export const runtime = 1;\n',
    'core/bad-static.ts': "import { id } from './ids.js';\n\nimport type { Classifier } from '../models/classifier.js';\nexport const x: Classifier | number = id;\n",
    'core/bad-reexport.ts': "export { runtime } from '../serving/runtime.js';\n",
    'models/bad-dynamic.ts': "export async function load() {\n  return await import('../serving/runtime.js');\n}\n",
    'registry/side-effect.ts': "import '../models/classifier.js';\n",
    'platform.ts': "import { runtime } from './serving/runtime.js';\nimport { main } from './cli/main.js';\nexport const p = [runtime, main];\n",
    'cli/main.ts': "import { runtime } from '../serving/runtime.js';\nimport { p } from '../platform.js';\nexport const main = [runtime, p];\n",
  });
  const layer = found.filter((v) => v.rule === 'layer').map((v) => `${v.file}:${v.line} -> ${v.target}`).sort();
  assert.deepEqual(layer, [
    'src/core/bad-reexport.ts:1 -> src/serving/runtime.ts',
    'src/core/bad-static.ts:3 -> src/models/classifier.ts',
    'src/models/bad-dynamic.ts:2 -> src/serving/runtime.ts',
    'src/platform.ts:2 -> src/cli/main.ts',
    'src/registry/side-effect.ts:1 -> src/models/classifier.ts',
  ]);
  const message = found.find((v) => v.file === 'src/core/bad-static.ts')!.message;
  assert.match(message, /src\/core\/bad-static\.ts:3: core must not import models/);
  // platform <-> cli is a file cycle too; the layer rule names the edge that points outward
  assert.ok(found.some((v) => v.rule === 'cycle' && v.cycle!.includes('src/platform.ts') && v.cycle!.includes('src/cli/main.ts')));
});

test('self-test: a 3-file import cycle is reported with its files in order, and a chain without a back edge is not', () => {
  const found = checkSynthetic({
    'models/a.ts': "import { c } from './c.js';\nexport const a = () => c;\n",
    'models/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
    'models/c.ts': "import type { Classifier } from './x/classifier.js';\n\nimport { b } from './b.js';\nexport const c = (k?: Classifier) => [b, k];\n",
    'models/x/classifier.ts': 'export type Classifier = { kind: string };\n',
    'text/one.ts': "import { two } from './two.js';\nexport const one = two;\n",
    'text/two.ts': 'export const two = 2;\n',
  });
  const cycles = found.filter((v) => v.rule === 'cycle');
  assert.equal(cycles.length, 1, found.map((v) => v.message).join('\n'));
  assert.deepEqual(cycles[0]!.cycle, ['src/models/a.ts', 'src/models/c.ts', 'src/models/b.ts']);
  assert.equal(cycles[0]!.message, 'import cycle: src/models/a.ts:1 -> src/models/c.ts:3 -> src/models/b.ts:1 -> src/models/a.ts');
  assert.equal(found.length, 1);
});

test('self-test: sibling folders that import each other are a cycle; a kind importing its parent folder is not', () => {
  const found = checkSynthetic({
    'models/kinds.ts': "import { deep } from './deep/train.js';\nexport const kinds = [deep];\n",
    'models/classifier.ts': 'export type Classifier = { kind: string };\n',
    'models/deep/train.ts': "import type { Classifier } from '../classifier.js';\nimport { encode } from '../onnx/encoder.js';\nexport const deep = (c?: Classifier) => [encode, c];\n",
    'models/onnx/encoder.ts': 'export const encode = 1;\n',
    'models/onnx/classify.ts': "import { softmax } from '../deep/softmax.js';\nexport const classify = softmax;\n",
    'models/deep/softmax.ts': 'export const softmax = 1;\n',
  });
  assert.deepEqual(found.map((v) => v.rule), ['folder-cycle']);
  assert.deepEqual(found[0]!.cycle, ['src/models/deep', 'src/models/onnx']);
  assert.match(found[0]!.message, /src\/models\/deep\/train\.ts:2 imports src\/models\/onnx\/encoder\.ts/);
  assert.match(found[0]!.message, /src\/models\/onnx\/classify\.ts:1 imports src\/models\/deep\/softmax\.ts/);
});

test('self-test: process.env and process.argv are flagged outside config/ and cli/, not in comments or strings', () => {
  const found = checkSynthetic({
    'models/threads.ts': [
      '// process.env.THREADS is read by config/, not here',
      "const note = 'process.env is for config/';",
      'export const threads = Number(process.env.LADING_THREADS ?? 1);',
      "export const home = process['env'].HOME;",
      'const { argv } = process;',
      'export const args = [note, argv];',
    ].join('\n'),
    'serving/flags.ts': "import { argv } from 'node:process';\nexport const flags = argv;\n",
    'config/settings.ts': 'export const port = process.env.PORT;\n',
    'cli/main.ts': 'export const args = process.argv.slice(2);\n',
    'text/template.ts': 'export const t = (x: string) => `${x} process.env ${/process\\.env/.test(x)}`;\n',
  });
  const reads = found.filter((v) => v.rule === 'process').map((v) => `${v.file}:${v.line} ${v.target}`);
  assert.deepEqual(reads, [
    'src/models/threads.ts:3 process.env',
    'src/models/threads.ts:4 process.env',
    'src/models/threads.ts:5 process.argv',
    'src/serving/flags.ts:1 process.argv',
  ]);
  assert.equal(found.length, reads.length, found.map((v) => v.message).join('\n'));
});

test('self-test: a folder missing from the layer table is itself an error, and so is an import of nothing', () => {
  const found = checkSynthetic({
    'widgets/knob.ts': "import { gone } from '../core/gone.js';\nexport const knob = gone;\n",
  });
  assert.deepEqual(found.map((v) => `${v.rule} ${v.file}:${v.line}`).sort(), ['unknown-layer src/widgets/knob.ts:1', 'unresolved src/widgets/knob.ts:1']);
  assert.match(found.find((v) => v.rule === 'unknown-layer')!.message, /layer "widgets" is not in the layer table/);
});

test('the layer table only names layers it defines', () => {
  for (const [layer, may] of Object.entries(LAYER_IMPORTS)) {
    if (may === 'all') continue;
    for (const target of may) assert.ok(target in LAYER_IMPORTS, `${layer} may import ${target}, which is not a layer`);
    assert.ok(!may.includes('cli'), `${layer} may not import cli`);
  }
});
