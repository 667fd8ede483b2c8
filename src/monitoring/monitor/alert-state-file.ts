import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../core/atomic-file.js';
import { InputError } from '../../core/errors.js';
import type { AlertEvaluatorState } from '../alerts/alert-evaluator.js';
import type { AlertEventRecord } from '../store/monitoring-store.js';

/**
 * The monitor's alert state (what is firing, since when, what is pending) in a small JSON file, so a
 * restarted monitor neither fires an alert a second time nor forgets to resolve one. Written
 * whole to a temp file, fsynced and renamed over the old one (core/atomic-file.ts): a SIGKILL in the
 * middle of a write leaves the previous file, never half of one.
 */
export interface AlertStateFile {
  readonly kind: 'lading-alert-state';
  readonly savedAt: number;
  readonly evaluator: AlertEvaluatorState;
  /** Events a sink (the webhook) had not delivered when the state was saved, by sink name: sent again on restart. */
  readonly outbox?: Readonly<Record<string, readonly AlertEventRecord[]>>;
}

/** The saved state, or undefined when there is no file yet. A file that is not one is an error naming it. */
export function readAlertState(path: string): AlertStateFile | undefined {
  if (!existsSync(path)) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw stateError(path, `is not JSON (${(e as Error).message})`, e);
  }
  const d = doc as Partial<AlertStateFile> | null;
  if (typeof d !== 'object' || d === null || d.kind !== 'lading-alert-state' || typeof d.evaluator !== 'object') {
    throw stateError(path, 'is not a lading alert state file');
  }
  if (d.outbox !== undefined && (typeof d.outbox !== 'object' || d.outbox === null || !Object.values(d.outbox).every(Array.isArray))) {
    throw stateError(path, 'has a malformed outbox');
  }
  return d as AlertStateFile;
}

export function writeAlertState(path: string, state: AlertEvaluatorState, now = Date.now(), outbox: AlertStateFile['outbox'] = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const doc: AlertStateFile = { kind: 'lading-alert-state', savedAt: now, evaluator: state, ...(Object.keys(outbox).length > 0 ? { outbox } : {}) };
  writeFileAtomic(path, Buffer.from(`${JSON.stringify(doc)}\n`));
}

export function stateError(path: string, what: string, cause?: unknown): InputError {
  return new InputError('alert-state-invalid', `the saved alert state ${path} ${what}`, { file: path },
    'Delete the file: alerts that are still firing will then fire once more.', cause === undefined ? undefined : { cause });
}
