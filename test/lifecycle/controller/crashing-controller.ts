/**
 * A controller that SIGKILLs itself at one exact point of its first change, for
 * controller-crash-points.test.ts: `node crashing-controller.js HOME STAGE`, STAGE one of
 *   intent  right after the intent is committed, before the change is made;
 *   alias   after a promotion moved the alias, before the deployment revision is written;
 *   landed  after the deployment revision is committed, before the outcome is recorded.
 * The same parts as `lading controller` (openLifecycle, the SQLite lease, the loop); only the store
 * call at that point is wrapped so that the process dies the moment the real call returns.
 */
import { LifecycleController } from '../../../src/lifecycle/controller/lifecycle-controller.js';
import { openLifecycle } from '../../../src/platform/controller-process.js';

const [home, stage] = process.argv.slice(2);
if (home === undefined || !['intent', 'alias', 'landed'].includes(stage ?? '')) throw new Error('usage: crashing-controller HOME intent|alias|landed');
const parts = await openLifecycle({ home, registryUrl: undefined, registrySchema: 'lading', controllerIntervalMs: 50 }, { actor: 'controller', holder: `crashing-${process.pid}` });
const die = (): never => { process.kill(process.pid, 'SIGKILL'); throw new Error('unreachable'); };

if (stage === 'intent') {
  const update = parts.releases.update.bind(parts.releases);
  parts.releases.update = async (id, rev, change, event, now) => {
    const r = await update(id, rev, change, event, now);
    return change.intent ? die() : r;
  };
} else if (stage === 'alias') {
  const setAlias = parts.workspace.setAlias.bind(parts.workspace);
  parts.workspace.setAlias = async (input) => { await setAlias(input); return die(); };
} else {
  const deployments = parts.workspace.deployments;
  const append = deployments.append.bind(deployments);
  deployments.append = async (...args) => { await append(...args); return die(); };
}

const lease = parts.lease;
const controller = new LifecycleController({ lease, releases: parts.releases, runner: parts.runner, now: Date.now, intervalMs: 50 });
controller.start();
