import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReleasePlan } from '../../../src/lifecycle/pipeline/pipeline-spec.js';
import type { ReleaseIntent } from '../../../src/lifecycle/release/release-record.js';
import { ReleaseRunner, type ReleaseNotice } from '../../../src/lifecycle/release/release-runner.js';
import { openLifecycle, type LifecycleParts } from '../../../src/platform/controller-process.js';
import { syntheticArtifact } from '../../registry/models/fixtures.js';
import { SequentialReleaseStatistics } from '../../../src/lifecycle/release/sequential-release-statistics.js';
import { ReleaseControl } from '../../../src/lifecycle/release-control.js';
import { DeploymentControl } from '../../../src/lifecycle/deployment-control.js';

/** A plan small enough for a test: a 200-text shadow, then 20% and 50% canaries. */
export const TEST_PLAN: ReleasePlan = {
  steps: [{ kind: 'shadow', requests: 200, minAgreement: 0.5 }, { kind: 'canary', percent: 20 }, { kind: 'canary', percent: 50 }],
  requireApproval: false, alpha: 0.05, minEffect: 0.05, maxLabels: 20_000,
  guardrails: { errorRate: 0.01, p99Ms: 50, drift: true, accuracy: true },
};

export interface ReleaseWorld {
  readonly home: string;
  readonly parts: LifecycleParts;
  readonly clock: { now: number };
  readonly notices: ReleaseNotice[];
  /** A runner on the same stores, e.g. one that "crashes" before a change. */
  runner(beforeChange?: (intent: ReleaseIntent) => void | Promise<void>): ReleaseRunner;
  close(): Promise<void>;
}

/**
 * A real workspace (SQLite registry, monitoring store, controller file) in a temp folder, with
 * model m versions 1 (the champion, served by endpoint hs as variant main) and 2 registered.
 */
export async function releaseWorld(home = mkdtempSync(join(tmpdir(), 'lading-release-'))): Promise<ReleaseWorld> {
  const clock = { now: 1_800_000_000_000 };
  const notices: ReleaseNotice[] = [];
  const settings = { home, registryUrl: undefined, registrySchema: 'lading', controllerIntervalMs: 1000 };
  const parts = await openLifecycle(settings, { actor: 'controller', now: () => clock.now, notify: (n) => { notices.push(n); } });
  const ws = parts.workspace;
  if ((await ws.listModels()).length === 0) {
    for (const seed of [1, 2, 3]) {
      const v = await ws.registerModelVersion({ name: 'm', artifactBytes: syntheticArtifact(seed), actor: 'ana' });
      await ws.approveVersion({ name: 'm', version: v.version, actor: 'bo', reason: 'reviewed' });
    }
    await ws.setAlias({ name: 'm', alias: 'champion', version: 1, actor: 'ana' });
    await ws.deployments.append('hs', { endpoint: 'hs', mode: 'single', variants: [{ name: 'main', model: 'm@1', weight: 1, role: 'primary' }] }, 'deploy', 'ana', 'first deployment');
  }
  return {
    home, parts, clock, notices,
    runner: (beforeChange) => new ReleaseRunner({
      releases: parts.releases, control: new ReleaseControl(ws, new DeploymentControl(ws.deployments)), monitoring: parts.monitoring,
      stats: new SequentialReleaseStatistics(), now: () => clock.now, actor: 'controller', notify: (n) => { notices.push(n); }, beforeChange,
    }),
    async close() {
      await parts.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
