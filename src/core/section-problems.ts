import { InputError, type ErrorFacts } from './errors.js';

/**
 * One error for every problem found in a section of lading.yaml (pipelines, features), each
 * line `file:line:col: section.key.path: what is wrong`, the first one's key and position as the
 * error's facts. Parsers collect all problems first, so a user fixes the file in one go.
 */
export interface SectionProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export interface SectionSource {
  /** Where the section came from, for errors without a line (`lading.yaml`). */
  readonly source?: string | undefined;
  /** "file:line:col" of a part of the section, by its path inside it. */
  readonly locate?: ((path: readonly (string | number)[]) => string | undefined) | undefined;
}

export function sectionFailure(code: string, key: (path: readonly (string | number)[]) => string, problems: readonly SectionProblem[],
  from: SectionSource, hint: string, facts: ErrorFacts = {}): InputError {
  const lines = problems.map((p) => {
    const at = from.locate?.(p.path);
    return `${at ? `${at}: ` : ''}${key(p.path)}: ${p.message}`;
  });
  const first = problems[0]!;
  const firstAt = from.locate?.(first.path);
  const pos = firstAt === undefined ? undefined : /:(\d+):(\d+)$/.exec(firstAt);
  return new InputError(code, `${lines.join('; ')}${firstAt ? '' : ` (in ${from.source ?? 'lading.yaml'})`}`, {
    source: from.source, ...facts, key: key(first.path), line: pos ? Number(pos[1]) : undefined, column: pos ? Number(pos[2]) : undefined, problems: problems.length,
  }, hint);
}
