import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isCollection, isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { InputError } from '../core/errors.js';
import { SETTINGS, SETTING_KEYS, type SettingKey } from './settings.js';

export const PROJECT_FILE_NAME = 'lading.yaml';

/** One top-level key of lading.yaml, with where it was written (1-based line and column). */
export interface ProjectEntry {
  readonly value: unknown;
  readonly line: number;
  readonly col: number;
  /**
   * Where a part of a section's value was written, by its path inside the value (['alerts', 2,
   * 'threshold']): the deepest node of the path that exists, so a missing field points at its rule.
   */
  readonly locate: (path: readonly (string | number)[]) => { readonly line: number; readonly col: number };
}

export interface ProjectFile {
  readonly path: string;
  /** Relative paths in the file are taken from here. */
  readonly dir: string;
  readonly entries: ReadonlyMap<SettingKey, ProjectEntry>;
}

/**
 * The project file in force: --project FILE, else LADING_PROJECT, else lading.yaml in the current
 * folder if there is one. A file named explicitly must exist.
 */
export function locateProjectFile(flag: string | undefined, env: string | undefined, cwd: string): string | undefined {
  const named = flag ?? env;
  if (named !== undefined) {
    const path = resolve(cwd, named);
    if (!existsSync(path)) {
      throw new InputError('missing-project-file', `project file ${path} does not exist`,
        { file: path, source: flag !== undefined ? '--project' : 'LADING_PROJECT' }, `Create it, or drop ${flag !== undefined ? '--project' : 'LADING_PROJECT'} to use ./${PROJECT_FILE_NAME}.`);
    }
    return path;
  }
  const local = resolve(cwd, PROJECT_FILE_NAME);
  return existsSync(local) ? local : undefined;
}

/** Parses lading.yaml: a mapping of known setting keys. YAML errors and unknown keys name the line. */
export function readProjectFile(path: string): ProjectFile {
  const text = readFileSync(path, 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first !== undefined) {
    const at = first.linePos?.[0];
    throw new InputError('bad-project-file', `${path}${at ? `:${at.line}:${at.col}` : ''}: ${(first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
      { file: path, line: at?.line, column: at?.col }, 'Fix the YAML syntax at that line.');
  }
  const entries = new Map<SettingKey, ProjectEntry>();
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { path, dir: dirname(path), entries };
  if (!isMap(root)) {
    const at = lineCounter.linePos(root.range?.[0] ?? 0);
    throw new InputError('bad-project-file', `${path}:${at.line}:${at.col}: the project file must be a mapping of settings (key: value)`,
      { file: path, line: at.line, column: at.col });
  }
  for (const pair of root.items) {
    const keyNode = pair.key;
    const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const at = lineCounter.linePos(isScalar(keyNode) ? keyNode.range?.[0] ?? 0 : 0);
    if (!(SETTING_KEYS as string[]).includes(key)) {
      throw new InputError('unknown-setting', `${path}:${at.line}:${at.col}: unknown setting "${key}"`,
        { file: path, line: at.line, column: at.col, key }, `Known settings: ${SETTING_KEYS.join(', ')}.`);
    }
    const valueNode = pair.value;
    const value = valueNode !== null && typeof valueNode === 'object' && 'toJS' in valueNode ? (valueNode as { toJS(d: unknown): unknown }).toJS(doc) : valueNode;
    const locate = (path: readonly (string | number)[]) => {
      let node: unknown = valueNode;
      let found = at;
      for (const step of path) {
        if (!isCollection(node)) break;
        const next: unknown = node.get(step, true);
        if (next === undefined || next === null) break;
        node = next;
        const start = (next as Node).range?.[0];
        if (start !== undefined) found = lineCounter.linePos(start);
      }
      return { line: found.line, col: found.col };
    };
    entries.set(key as SettingKey, { value, line: at.line, col: at.col, locate });
  }
  return { path, dir: dirname(path), entries };
}

/** A flag's name without its dashes, as node's parseArgs keys it ("--max-delay-ms" -> "max-delay-ms"). */
export function flagKey(key: SettingKey): string | undefined {
  return SETTINGS[key].flag?.slice(2);
}
