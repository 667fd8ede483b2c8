import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ArtifactError } from '../core/errors.js';
import type { DeploymentSpec } from './deployment.js';
import type { DeploymentAction, DeploymentRecord, DeploymentStore } from './deployment-store.js';

/**
 * Deployments as an append-only JSON-lines file in the workspace (`<home>/deployments.jsonl`):
 * one line per revision, written with a single O_APPEND write so concurrent writers (a CLI and an
 * admin route) never interleave within a line. Readers re-read only when the file grew.
 * Stand-in until the registry's database holds deployments (see the report of issue 4).
 */
export class FileDeploymentStore implements DeploymentStore {
  private cache: { size: number; records: DeploymentRecord[] } = { size: -1, records: [] };

  constructor(readonly path: string) {}

  private read(): DeploymentRecord[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size === this.cache.size) return this.cache.records;
    const lines = readFileSync(this.path, 'utf8').split('\n');
    const records: DeploymentRecord[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push(JSON.parse(line) as DeploymentRecord);
      } catch {
        // A torn last line (crash mid-write) is ignored; a bad line in the middle is corruption.
        if (i < lines.length - 2) throw new ArtifactError('corrupt-deployments', `${this.path} line ${i + 1} is not valid JSON`, { file: this.path, line: i + 1 });
      }
    });
    this.cache = { size, records };
    return records;
  }

  async append(endpoint: string, spec: DeploymentSpec | null, action: DeploymentAction, actor: string, reason: string | null): Promise<DeploymentRecord> {
    mkdirSync(dirname(this.path), { recursive: true });
    const all = this.read();
    const revision = all.filter((r) => r.endpoint === endpoint).length + 1;
    const record: DeploymentRecord = { endpoint, revision, seq: all.length + 1, spec, action, actor, reason, at: new Date().toISOString() };
    appendFileSync(this.path, `${JSON.stringify(record)}\n`, { flag: 'a' });
    return record;
  }

  async current(endpoint: string): Promise<DeploymentRecord | undefined> {
    const all = this.read();
    for (let i = all.length - 1; i >= 0; i--) if (all[i]!.endpoint === endpoint) return all[i];
    return undefined;
  }

  async currentAll(): Promise<DeploymentRecord[]> {
    const m = new Map<string, DeploymentRecord>();
    for (const r of this.read()) m.set(r.endpoint, r);
    return [...m.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint));
  }

  async history(endpoint: string): Promise<DeploymentRecord[]> {
    return this.read().filter((r) => r.endpoint === endpoint);
  }

  async lastSeq(): Promise<number> {
    return this.read().length;
  }
}
