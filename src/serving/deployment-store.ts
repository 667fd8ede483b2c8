import type { DeploymentSpec } from './deployment.js';

export type DeploymentAction = 'deploy' | 'promote' | 'canary' | 'switch' | 'rollback' | 'remove';

/** One revision of an endpoint's deployment. `spec` null = the endpoint was removed. */
export interface DeploymentRecord {
  readonly endpoint: string;
  /** 1, 2, 3... per endpoint. */
  readonly revision: number;
  /** Increasing across all endpoints: lets a server poll "anything after N?". */
  readonly seq: number;
  readonly spec: DeploymentSpec | null;
  readonly action: DeploymentAction;
  readonly actor: string;
  readonly reason: string | null;
  readonly at: string;
}

/**
 * Where deployments live, with their full history (append-only: a change is a new revision, a
 * rollback too). The SQLite adapter lives in the registry; MemoryDeploymentStore serves a single
 * process without a workspace.
 */
export interface DeploymentStore {
  append(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string, reason: string | null): Promise<DeploymentRecord>;
  current(endpoint: string): Promise<DeploymentRecord | undefined>;
  /** The newest revision of every endpoint (removed ones included, spec null). */
  currentAll(): Promise<DeploymentRecord[]>;
  /** Every revision of one endpoint, oldest first. */
  history(endpoint: string): Promise<DeploymentRecord[]>;
  /** Highest seq written so far (0 when empty): a cheap "did anything change?" poll. */
  lastSeq(): Promise<number>;
}

export class MemoryDeploymentStore implements DeploymentStore {
  private readonly records: DeploymentRecord[] = [];

  async append(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string, reason: string | null): Promise<DeploymentRecord> {
    const revision = this.records.filter((r) => r.endpoint === endpoint).length + 1;
    const r: DeploymentRecord = { endpoint, revision, seq: this.records.length + 1, spec, action, actor, reason, at: new Date().toISOString() };
    this.records.push(r);
    return r;
  }

  async current(endpoint: string): Promise<DeploymentRecord | undefined> {
    for (let i = this.records.length - 1; i >= 0; i--) if (this.records[i]!.endpoint === endpoint) return this.records[i];
    return undefined;
  }

  async currentAll(): Promise<DeploymentRecord[]> {
    const m = new Map<string, DeploymentRecord>();
    for (const r of this.records) m.set(r.endpoint, r);
    return [...m.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
  }

  async history(endpoint: string): Promise<DeploymentRecord[]> {
    return this.records.filter((r) => r.endpoint === endpoint);
  }

  async lastSeq(): Promise<number> { return this.records.length; }
}
