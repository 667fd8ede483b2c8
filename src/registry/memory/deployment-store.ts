import type { DeploymentSpec } from '../../core/deployment-spec.js';
import { byEndpoint, checkDeploymentAppend, checkExpectedRevision, type DeploymentAction, type DeploymentRecord, type DeploymentStore } from '../deployment-store.js';

/**
 * Deployments in memory: a single process without a workspace (tests, embedding). Passes the same
 * contract suite as the database stores; the spec is copied on append, as they serialise it, so a
 * caller changing its object afterwards does not rewrite history.
 */
export class MemoryDeploymentStore implements DeploymentStore {
  private readonly records: DeploymentRecord[] = [];

  async append(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string, reason: string | null, expectedRevision?: number): Promise<DeploymentRecord> {
    checkDeploymentAppend(endpoint, spec, action, actor);
    const latest = this.records.filter((r) => r.endpoint === endpoint).length;
    checkExpectedRevision(endpoint, latest, expectedRevision);
    const revision = latest + 1;
    const r: DeploymentRecord = { endpoint, revision, seq: this.records.length + 1, spec: structuredClone(spec), action, actor, reason, at: new Date().toISOString() };
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
    return [...m.values()].sort(byEndpoint);
  }

  async history(endpoint: string): Promise<DeploymentRecord[]> {
    return this.records.filter((r) => r.endpoint === endpoint);
  }

  async lastSeq(): Promise<number> { return this.records.length; }
}
