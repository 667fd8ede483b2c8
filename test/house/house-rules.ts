/**
 * The house rules of src/ (../shared/DESIGN.md, "Layers"), checked from the source text alone so the
 * check needs no compiler API: which layer may import which, no import cycles between files, and no
 * process.env/argv outside config/ and cli/. A small scanner blanks comments and string contents
 * first, so an import or `process.env` written inside a comment or a string is not counted.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** What each layer may import besides itself. A folder not listed here is an error: place it first. */
export const LAYER_IMPORTS: Readonly<Record<string, readonly string[] | 'all'>> = {
  core: [],
  text: ['core'],
  data: ['core', 'text'],
  models: ['core', 'text'],
  training: ['core', 'text', 'data', 'models'],
  registry: ['core'],
  taxonomy: ['core', 'data', 'registry'],
  features: ['core', 'data', 'registry'],
  serving: ['core', 'text', 'models', 'registry'],
  monitoring: ['core', 'text', 'serving'],
  bus: ['core'],
  lifecycle: ['core', 'text', 'data', 'models', 'training', 'registry', 'serving', 'monitoring', 'bus'],
  review: ['core', 'serving', 'monitoring'],
  server: ['core', 'serving', 'registry', 'monitoring', 'lifecycle', 'review'],
  stream: ['core', 'serving', 'bus', 'monitoring'],
  config: ['core'],
  demo: ['core', 'text', 'data'],
  platform: ['core', 'text', 'data', 'models', 'training', 'registry', 'features', 'serving', 'monitoring', 'bus',
    'lifecycle', 'review', 'server', 'stream', 'config', 'demo', 'taxonomy'],
  cli: 'all',
};

/** Layers whose code may read the process's environment and arguments. */
export const PROCESS_READERS: readonly string[] = ['config', 'cli'];

export type Rule = 'layer' | 'unknown-layer' | 'unresolved' | 'cycle' | 'folder-cycle' | 'process';

export interface Violation {
  readonly rule: Rule;
  /** Path relative to the checked root's parent, e.g. `src/models/deep/rebalance.ts`. */
  readonly file: string;
  readonly line: number;
  /** For layer/unresolved: the imported file; for cycle: every file of the cycle, in import order. */
  readonly target?: string;
  readonly cycle?: readonly string[];
  readonly message: string;
}

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly line: number;
  readonly specifier: string;
}

/**
 * Replaces comments by spaces and the contents of string, template and regex literals by spaces,
 * keeping every offset and newline, so regexes over the result see code only and a match's offsets
 * still index the original text (where the specifier is read back).
 */
export function maskSource(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number): void => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  // Whether a `/` here starts a regex literal: after an operator or opening bracket or a keyword, not after a value.
  const regexAllowed = (at: number): boolean => {
    let k = at - 1;
    while (k >= 0 && /\s/.test(src[k]!)) k--;
    if (k < 0) return true;
    const c = src[k]!;
    if (/[(,=:[!&|?{};+\-*%<>~^]/.test(c)) return true;
    if (/[\w$]/.test(c)) {
      let s = k;
      while (s > 0 && /[\w$]/.test(src[s - 1]!)) s--;
      return /^(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.test(src.slice(s, k + 1));
    }
    return false;
  };
  let i = 0;
  const braceStack: number[] = []; // per open template `${`: the brace depth to return to the template at
  let depth = 0;
  const scanTemplate = (): void => {
    // at a position inside a template's text; runs to its closing backtick or to a `${`
    const start = i;
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') { i += 2; continue; }
      if (c === '`') { blank(start, i); i++; return; }
      if (c === '$' && src[i + 1] === '{') { blank(start, i); i += 2; braceStack.push(depth); depth++; return; }
      i++;
    }
    blank(start, i);
  };
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === '\'' || c === '"') {
      const start = ++i;
      while (i < src.length && src[i] !== c && src[i] !== '\n') i += src[i] === '\\' ? 2 : 1;
      blank(start, i);
      i++;
    } else if (c === '`') {
      i++;
      scanTemplate();
    } else if (c === '/' && regexAllowed(i)) {
      const start = ++i;
      let inClass = false;
      while (i < src.length && src[i] !== '\n') {
        const r = src[i]!;
        if (r === '\\') { i += 2; continue; }
        if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      blank(start, i);
      i++;
    } else if (c === '{') {
      depth++;
      i++;
    } else if (c === '}') {
      depth--;
      i++;
      if (braceStack.length > 0 && braceStack[braceStack.length - 1] === depth) {
        braceStack.pop();
        scanTemplate();
      }
    } else {
      i++;
    }
  }
  return out.join('');
}

const IMPORT_PATTERNS: readonly RegExp[] = [
  // import x from '…', import type { A } from '…', import * as m from '…', import x, { y } from '…'
  /\bimport\s+(?:type\s+)?[\w$*{][^;'"]*?\bfrom\s*(['"])/g,
  // import '…' (for its effects)
  /\bimport\s*(['"])/g,
  // export * from '…', export { a } from '…', export type { A } from '…', export * as ns from '…'
  /\bexport\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(['"])/g,
  // import('…'), await import('…')
  /\bimport\s*\(\s*(['"])/g,
];

const PROCESS_PATTERNS: readonly RegExp[] = [
  /\bprocess\s*\??\.\s*(env|argv)\b/g,
  /\bprocess\s*\[\s*(['"])/g, // process['env'] — read back below
  /\b(?:const|let|var)\s*\{[^}]*\b(env|argv)\b[^}]*\}\s*=\s*process\b/g,
  /\bimport\s*\{[^}]*\b(env|argv)\b[^}]*\}\s*from\s*(['"])/g, // counted when the module is node:process
];

function lineAt(src: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset; k++) if (src.charCodeAt(k) === 10) line++;
  return line;
}

/** The relative specifiers a file imports, with the line each appears on. */
export function importsOf(src: string): Array<{ specifier: string; line: number }> {
  const masked = maskSource(src);
  const found = new Map<number, { specifier: string; line: number }>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of masked.matchAll(pattern)) {
      const quoteAt = m.index + m[0].length - 1;
      const quote = src[quoteAt]!;
      const end = src.indexOf(quote, quoteAt + 1);
      const specifier = src.slice(quoteAt + 1, end);
      // the `import x from '…'` pattern also matches at `import` of a side-effect line; offsets dedupe them
      found.set(quoteAt, { specifier, line: lineAt(src, m.index) });
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** Lines on which a file reads process.env or process.argv. */
export function processReadsOf(src: string): Array<{ what: string; line: number }> {
  const masked = maskSource(src);
  const out: Array<{ what: string; line: number }> = [];
  for (const pattern of PROCESS_PATTERNS) {
    for (const m of masked.matchAll(pattern)) {
      let what = m[1] ?? '';
      if (m[2] !== undefined) {
        const quoteAt = m.index + m[0].length - 1;
        const module = src.slice(quoteAt + 1, src.indexOf(m[2], quoteAt + 1));
        if (module !== 'process' && module !== 'node:process') continue;
      } else if (what === '\'' || what === '"') {
        const quoteAt = m.index + m[0].length - 1;
        what = src.slice(quoteAt + 1, src.indexOf(what, quoteAt + 1));
        if (what !== 'env' && what !== 'argv') continue;
      }
      out.push({ what: `process.${what}`, line: lineAt(src, m.index) });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

function listSources(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files.push(...listSources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(p);
  }
  return files;
}

/** The layer of a file: its first folder under the root, or its name without extension for a top-level file. */
export function layerOf(srcRoot: string, file: string): string {
  const parts = relative(srcRoot, file).split(sep);
  return parts.length === 1 ? parts[0]!.replace(/\.[^.]+$/, '') : parts[0]!;
}

function mayImport(from: string, to: string): boolean {
  if (from === to) return true;
  const allowed = LAYER_IMPORTS[from];
  return allowed === 'all' || (allowed !== undefined && allowed.includes(to));
}

/** Resolves a relative specifier as NodeNext does for our sources: `./x.js` is `./x.ts` on disk. */
function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = base.endsWith('.js') ? [base.slice(0, -3) + '.ts', base.slice(0, -3) + '.tsx', base]
    : [base, base + '.ts', join(base, 'index.ts')];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

/** Strongly connected components of size > 1 or with a self edge (Tarjan, iterative so depth is no concern). */
function cycles(nodes: readonly string[], next: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result: string[][] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; child: number }> = [{ node: root, child: 0 }];
    index.set(root, counter); low.set(root, counter); counter++;
    stack.push(root); onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = next.get(frame.node) ?? [];
      if (frame.child < targets.length) {
        const t = targets[frame.child++]!;
        if (!index.has(t)) {
          index.set(t, counter); low.set(t, counter); counter++;
          stack.push(t); onStack.add(t);
          work.push({ node: t, child: 0 });
        } else if (onStack.has(t)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(t)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== frame.node);
        if (component.length > 1 || (next.get(frame.node) ?? []).includes(frame.node)) result.push(component);
      }
    }
  }
  return result;
}

/** One concrete cycle through `start` inside a component (shortest, by breadth-first search). */
function cycleThrough(start: string, members: ReadonlySet<string>, next: ReadonlyMap<string, readonly string[]>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q]!;
    for (const t of next.get(node) ?? []) {
      if (!members.has(t)) continue;
      if (t === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return path;
      }
      if (!cameFrom.has(t)) { cameFrom.set(t, node); queue.push(t); }
    }
  }
  return [start];
}

export interface HouseReport {
  readonly files: readonly string[];
  readonly edges: readonly ImportEdge[];
  readonly violations: readonly Violation[];
}

/** Checks every .ts file under `srcRoot`. Paths in the report are relative to srcRoot's parent (`src/...`). */
export function checkHouseRules(srcRoot: string): HouseReport {
  const root = resolve(srcRoot);
  const name = (abs: string): string => relative(dirname(root), abs).split(sep).join('/');
  const files = listSources(root);
  const edges: ImportEdge[] = [];
  const violations: Violation[] = [];
  const next = new Map<string, string[]>();
  for (const file of files) {
    const src = readFileSync(file, 'utf8');
    const layer = layerOf(root, file);
    if (LAYER_IMPORTS[layer] === undefined) {
      violations.push({ rule: 'unknown-layer', file: name(file), line: 1,
        message: `${name(file)}: layer "${layer}" is not in the layer table; add it to LAYER_IMPORTS (test/house/house-rules.ts) and to the README's architecture section` });
    }
    for (const { specifier, line } of importsOf(src)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolveSpecifier(file, specifier);
      if (target === undefined) {
        violations.push({ rule: 'unresolved', file: name(file), line, target: specifier,
          message: `${name(file)}:${line}: import '${specifier}' resolves to no file` });
        continue;
      }
      edges.push({ from: name(file), to: name(target), line, specifier });
      const list = next.get(file) ?? [];
      if (!list.includes(target)) list.push(target);
      next.set(file, list);
      if (!target.startsWith(root + sep)) {
        violations.push({ rule: 'layer', file: name(file), line, target: name(target),
          message: `${name(file)}:${line}: imports ${name(target)}, which is outside src/` });
        continue;
      }
      const targetLayer = layerOf(root, target);
      if (LAYER_IMPORTS[layer] !== undefined && !mayImport(layer, targetLayer)) {
        violations.push({ rule: 'layer', file: name(file), line, target: name(target),
          message: `${name(file)}:${line}: ${layer} must not import ${targetLayer} (imports ${name(target)}); ${layer} may import ${describe(layer)}` });
      }
    }
    if (!PROCESS_READERS.includes(layer)) {
      for (const { what, line } of processReadsOf(src)) {
        violations.push({ rule: 'process', file: name(file), line, target: what,
          message: `${name(file)}:${line}: reads ${what}; only ${PROCESS_READERS.join('/')} read the process's environment and arguments — take the value as a parameter` });
      }
    }
  }
  const lineOf = (from: string, to: string): number => edges.find((e) => e.from === name(from) && e.to === name(to))?.line ?? 0;
  for (const component of cycles(files, next)) {
    const start = [...component].sort()[0]!;
    const path = cycleThrough(start, new Set(component), next);
    const steps = path.map((f, k) => `${name(f)}:${lineOf(f, path[(k + 1) % path.length]!)}`);
    const extra = component.length > path.length ? ` (${component.length} files are tangled: ${component.map(name).sort().join(', ')})` : '';
    violations.push({ rule: 'cycle', file: name(start), line: lineOf(start, path[1 % path.length]!), cycle: path.map(name),
      message: `import cycle: ${steps.join(' -> ')} -> ${name(start)}${extra}` });
  }
  violations.push(...folderCycles(edges));
  return { files: files.map(name), edges, violations };
}

/**
 * Sibling folders that import each other (models/deep <-> models/onnx) are a cycle one level up even
 * when no file cycle exists: neither can be understood or moved alone. A folder importing its own
 * parent's files (a kind importing models/classifier.ts while models/kinds.ts lists the kind) is the
 * plug-in shape and is not counted.
 */
function folderCycles(edges: readonly ImportEdge[]): Violation[] {
  const folderOf = (f: string): string => f.slice(0, f.lastIndexOf('/'));
  const related = (a: string, b: string): boolean => a === b || a.startsWith(b + '/') || b.startsWith(a + '/');
  const next = new Map<string, string[]>();
  const example = new Map<string, ImportEdge>();
  for (const e of edges) {
    const a = folderOf(e.from);
    const b = folderOf(e.to);
    if (related(a, b)) continue;
    const list = next.get(a) ?? [];
    if (!list.includes(b)) list.push(b);
    next.set(a, list);
    if (!example.has(`${a} ${b}`)) example.set(`${a} ${b}`, e);
  }
  const folders = [...new Set([...next.keys(), ...[...next.values()].flat()])].sort();
  return cycles(folders, next).map((component) => {
    const start = [...component].sort()[0]!;
    const path = cycleThrough(start, new Set(component), next);
    const steps = path.map((f, k) => {
      const e = example.get(`${f} ${path[(k + 1) % path.length]!}`)!;
      return `${f}/ (${e.from}:${e.line} imports ${e.to})`;
    });
    const first = example.get(`${start} ${path[1 % path.length]!}`)!;
    return { rule: 'folder-cycle' as const, file: first.from, line: first.line, cycle: path,
      message: `folders import each other: ${steps.join(' -> ')} -> ${start}/; move the shared piece where both may import it` };
  });
}

function describe(layer: string): string {
  const allowed = LAYER_IMPORTS[layer];
  if (allowed === 'all') return 'anything';
  return allowed === undefined || allowed.length === 0 ? 'nothing' : allowed.join(', ');
}
