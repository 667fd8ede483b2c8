import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TEXT = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');
const DOCKERFILE = DockerfileParser.parse(TEXT);
const LINES = TEXT.split('\n');
/** An instruction's whole first line, flags included (getArgumentsContent() leaves out flags such as --from). */
const lineOf = (i: { getRange(): { start: { line: number } } }) => LINES[i.getRange().start.line] ?? '';
const IGNORED = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));

test('deploy/Dockerfile passes the Dockerfile linter (dockerfile-utils: syntax, arguments, instructions)', () => {
  const problems = validate(TEXT).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  assert.deepEqual(problems, []);
});

test('the linter is real: a broken Dockerfile gets its problems by line', () => {
  const problems = validate('FROM node:20-slim\nCOPY\nEXPOSE http\n').map((d) => d.range.start.line + 1);
  assert.deepEqual(problems.sort(), [2, 3]);
});

test('multi-stage on Node 20 slim; the image runs as a non-root user with a health check and only runtime dependencies', () => {
  const froms = DOCKERFILE.getFROMs();
  assert.ok(froms.length >= 2, 'multi-stage');
  for (const f of froms) assert.equal(f.getImage() ?? '', 'node:20-slim', `line ${f.getRange().start.line + 1}`);
  const lastFrom = froms[froms.length - 1]!.getRange().start.line;
  const final = DOCKERFILE.getInstructions().filter((i) => i.getRange().start.line > lastFrom);
  const keyword = (k: string) => final.filter((i) => i.getKeyword() === k);
  const user = keyword('USER').at(-1)?.getArgumentsContent();
  assert.ok(typeof user === 'string' && !['root', '0'].includes(user), `final stage USER: ${user}`);
  assert.equal(keyword('HEALTHCHECK').length, 1);
  assert.match(keyword('HEALTHCHECK')[0]!.getArgumentsContent() ?? '', /\/v2\/health\/live/);
  assert.equal(keyword('ENTRYPOINT').length, 1);
  assert.ok(DOCKERFILE.getInstructions().some((i) => i.getKeyword() === 'RUN' && /npm ci --omit=dev/.test(i.getArgumentsContent() ?? '')), 'npm ci --omit=dev');
  // The final stage installs nothing and copies the runtime dependencies, not the build stage's node_modules.
  assert.equal(keyword('RUN').filter((i) => /apt-get|npm (ci|install)/.test(i.getArgumentsContent() ?? '')).length, 0);
  const modules = keyword('COPY').find((i) => /node_modules/.test(lineOf(i)));
  assert.match(modules === undefined ? '' : lineOf(modules), /--from=runtime-deps/);
});

test('apt-get installs without recommends and cleans its lists; no ADD, no latest tag', () => {
  for (const i of DOCKERFILE.getInstructions()) {
    const args = i.getArgumentsContent() ?? '';
    const line = i.getRange().start.line + 1;
    assert.notEqual(i.getKeyword(), 'ADD', `line ${line}: use COPY`);
    if (i.getKeyword() === 'RUN' && /apt-get install/.test(args)) {
      assert.match(args, /--no-install-recommends/, `line ${line}`);
      assert.match(args, /rm -rf \/var\/lib\/apt\/lists/, `line ${line}`);
    }
  }
  assert.doesNotMatch(TEXT, /:latest\b/);
});

test('every COPY from the build context names a file that exists and that .dockerignore does not drop', () => {
  for (const i of DOCKERFILE.getInstructions().filter((x) => x.getKeyword() === 'COPY')) {
    if (/--from=/.test(lineOf(i))) continue;
    const args = (i.getArgumentsContent() ?? '').split(/\s+/);
    for (const source of args.slice(0, -1)) {
      assert.ok(existsSync(join(ROOT, source)), `line ${i.getRange().start.line + 1}: ${source} does not exist`);
      assert.ok(!IGNORED.some((p) => p.replace(/^\*\*\//, '') === source.replace(/^\.\//, '')), `line ${i.getRange().start.line + 1}: ${source} is in .dockerignore`);
    }
  }
  for (const p of ['**/node_modules', 'dist', 'dist-web', '.git']) assert.ok(IGNORED.includes(p), `.dockerignore drops ${p}`);
});
