import type { DeploymentSpec } from '../core/deployment-spec.js';
import type { DeploymentAction, DeploymentRecord } from './deployment-store.js';

/** A deployments row as either driver returns it (SQLite: JSON text and ISO text; pg: parsed JSON, a Date, bigint as text). */
export interface DeploymentRow {
  seq: number | string;
  endpoint: string;
  revision: number;
  spec: string | DeploymentSpec | null;
  action: string;
  actor: string;
  reason: string | null;
  at: string | Date;
}

export function toDeploymentRecord(row: DeploymentRow): DeploymentRecord {
  return {
    endpoint: row.endpoint,
    revision: row.revision,
    seq: Number(row.seq),
    spec: row.spec === null ? null : typeof row.spec === 'string' ? (JSON.parse(row.spec) as DeploymentSpec) : row.spec,
    action: row.action as DeploymentAction,
    actor: row.actor,
    reason: row.reason,
    at: row.at instanceof Date ? row.at.toISOString() : row.at,
  };
}

/**
 * Text every stored spec that refers to `model` contains: specs are written with JSON.stringify (no
 * spaces; PostgreSQL's json type keeps the text), and model names need no JSON escaping. A coarse
 * filter only ("m" also finds "m2@1"); deployment-lineage.ts matches refs exactly.
 */
export function modelNeedle(model: string): string {
  return `"model":${JSON.stringify(model).slice(0, -1)}`;
}
