/**
 * Every error lading raises on purpose is a LadingError: a stable `code`, the facts that locate the
 * problem (file, row, column, model, version...) and a hint saying what to do about it. The CLI and
 * the HTTP layer render these; nothing else needs to know how.
 */
export type ErrorFacts = Readonly<Record<string, string | number | boolean | undefined>>;

export class LadingError extends Error {
  override name = 'LadingError';
  readonly code: string;
  readonly facts: ErrorFacts;
  readonly hint: string | undefined;

  constructor(code: string, message: string, facts: ErrorFacts = {}, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.facts = facts;
    this.hint = hint;
  }

  toJSON(): Record<string, unknown> {
    return { error: this.name, code: this.code, message: this.message, facts: this.facts, hint: this.hint };
  }
}

/** Bad input from a user: a file, a row, a column, a flag. Nothing was changed. */
export class InputError extends LadingError {
  override name = 'InputError';
}

/** A named thing (dataset, model, version, alias) does not exist. */
export class NotFoundError extends LadingError {
  override name = 'NotFoundError';
}

/** A stored artifact is corrupt, truncated or of a format this code cannot read. */
export class ArtifactError extends LadingError {
  override name = 'ArtifactError';
}

/** The operation conflicts with the current state (e.g. an alias to a rejected version). */
export class ConflictError extends LadingError {
  override name = 'ConflictError';
}

/** Who asked may not do this (their role or scope, or four eyes); HTTP 403. */
export class ForbiddenError extends LadingError {
  override name = 'ForbiddenError';
}

/** Work was stopped on purpose (Ctrl-C, AbortSignal). Nothing partial was kept. */
export class InterruptedError extends LadingError {
  override name = 'InterruptedError';
  constructor(what: string) {
    super('interrupted', `${what} was interrupted; nothing partial was kept`, { what });
  }
}

export function isLadingError(e: unknown): e is LadingError {
  return e instanceof LadingError;
}
