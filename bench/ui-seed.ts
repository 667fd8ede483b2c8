/**
 * The workspace `npm run bench:ui` times the dashboard over: what a team leaves after months of
 * retraining. Registry side (this file): a few models with VERSIONS versions between them, aliases
 * moved many times, approvals and rejections, two endpoints with a long deployment history, pipeline
 * runs and finished releases. The monitoring and review side is bench/ui-log.ts.
 *
 * Cheap on purpose: two tiny fastText models are trained once and their bytes registered again and
 * again with `force` (the registry otherwise refuses bytes a live version already has; the artifact
 * store keeps one file per content). Every version still has its own row, approval, tags and
 * parent, which is what the pages read.
 */
import { generateInvoiceLines } from '../src/demo/invoice-lines.js';
import { DeploymentControl } from '../src/lifecycle/deployment-control.js';
import type { ReleasePlan } from '../src/lifecycle/pipeline/pipeline-spec.js';
import { currentOwner } from '../src/lifecycle/pipeline/run-owner.js';
import { openPlatformWorkspace, saveReferenceProfile } from '../src/platform/index.js';
import { openPipelineStore } from '../src/platform/pipelines.js';
import { openReleaseStorage } from '../src/platform/release-store.js';
import { runTraining, type TrainRunResult } from '../src/training/train-run.js';

export const MODEL = 'hs-codes';
export const ENDPOINT = 'hs';
const DAY = 86_400_000;

export interface Where { readonly home: string; readonly registryUrl: undefined; readonly registrySchema: string }

/** The two trained models (champion, challenger) and the sha256 each is registered under. */
export interface SeededModels {
  readonly runs: readonly [TrainRunResult, TrainRunResult];
  readonly sha256: readonly [string, string];
  /** Versions per model, and the hs-codes versions the endpoint served (oldest first). */
  readonly versions: Readonly<Record<string, number>>;
  readonly champion: number;
  readonly challenger: number;
  readonly deploymentRevisions: number;
  readonly aliasMoves: number;
}

/**
 * Which trained model a version's bytes are: they alternate every ten versions, so the endpoint's
 * champion and challenger (ten apart) differ and the log's two variants have their own profiles.
 */
const runOf = (v: number) => Math.floor(v / 10) % 2;

/** Which versions were rejected: one in seven, never one the aliases or endpoints name (every 10th). */
const rejected = (v: number) => v % 7 === 3 && v % 10 !== 1;

/** Split of the versions between models: most on the one a team retrains nightly. */
const MODELS: ReadonlyArray<readonly [string, number]> = [[MODEL, 0.7], ['grocery', 0.2], ['intent', 0.1]];

export async function seedRegistry(where: Where, totalVersions: number, now: number, log: (s: string) => void): Promise<SeededModels> {
  const lines = generateInvoiceLines({ rows: 1500, seed: 7, classes: 12 });
  const rows = { textColumn: 'text', labelColumns: ['label'], texts: lines.map((l) => l.text), labels: { label: lines.map((l) => l.label) } };
  const train = (seed: number) => runTraining({ rows, labelColumn: 'label', kind: 'fasttext', seed, upsample: false, threads: 1, validFraction: 0.1, params: { epochs: 3, dim: 16, buckets: 65_536 } });
  const runs = [await train(1), await train(2)] as const;
  const ws = await openPlatformWorkspace(where);
  const versions: Record<string, number> = {};
  let aliasMoves = 0;
  try {
    const sha: string[] = [];
    for (const [name, share] of MODELS) {
      const n = Math.max(2, Math.round(totalVersions * share));
      versions[name] = n;
      for (let i = 1; i <= n; i++) {
        const v = await ws.registerModelVersion({
          name, artifactBytes: runs[runOf(i)]!.bytes, actor: i % 5 === 0 ? 'alice' : 'pipeline', force: true,
          ...(i > 1 ? { parentVersion: i - 1 } : {}), tags: { run: String(i), trigger: i % 3 === 0 ? 'new-labels' : 'cron' },
          reason: `nightly retrain ${i}`,
        });
        if (name === MODEL) sha[runOf(i)] ??= v.artifactSha256;
        // Most candidates pass the gates and are approved; a few (never one the champion alias or an
        // endpoint will name: those are every 10th) are rejected; the newest wait.
        if (i < n - 3) {
          if (rejected(i)) await ws.rejectVersion({ name, version: i, actor: 'bob', reason: 'worse on the tail classes' });
          else await ws.approveVersion({ name, version: i, actor: 'alice' });
        }
        // The champion alias follows every 10th approved version, as a release would move it.
        if (i % 10 === 1 && i < n - 3) {
          await ws.setAlias({ name, alias: 'champion', version: i, actor: 'controller' });
          aliasMoves++;
        }
      }
      let newest = n - 4;
      while (rejected(newest)) newest--;
      await ws.setAlias({ name, alias: 'challenger', version: newest, actor: 'controller' });
      aliasMoves++;
      log(`registered ${n} versions of ${name}`);
    }
    for (const [i, run] of runs.entries()) await saveReferenceProfile(where, { ...run, sha256: sha[i]! }, { model: MODEL, version: String(i + 1) });

    // Endpoint hs: a canary, then a promotion, every few versions; grocery: a single variant moved along.
    const control = new DeploymentControl(ws.deployments);
    const hsVersions = versions[MODEL]!;
    let revisions = 0;
    let champion = 1;
    let challenger = 2;
    for (let v = 11; v + 10 <= hsVersions - 3; v += 10) {
      challenger = v + 10;
      await control.deploy({ endpoint: ENDPOINT, mode: 'canary', variants: [{ name: 'a', model: `${MODEL}@${v}`, weight: 9, role: 'primary' }, { name: 'b', model: `${MODEL}@${challenger}`, weight: 1, role: 'primary' }] }, 'controller', `[release] canary ${MODEL}@${challenger}`);
      await control.deploy({ endpoint: ENDPOINT, mode: 'single', variants: [{ name: 'a', model: `${MODEL}@${challenger}`, weight: 1, role: 'primary' }] }, 'controller', `[release] promote ${MODEL}@${challenger}`);
      revisions += 2;
      champion = v;
    }
    // The endpoint ends mid-canary: the log's two variants are these two versions.
    await control.deploy({ endpoint: ENDPOINT, mode: 'canary', variants: [{ name: 'a', model: `${MODEL}@${champion}`, weight: 9, role: 'primary' }, { name: 'b', model: `${MODEL}@${challenger}`, weight: 1, role: 'primary' }] }, 'bob', 'canary again');
    revisions++;
    for (let v = 1; v <= versions['grocery']!; v += 20) {
      await control.deploy({ endpoint: 'grocery', mode: 'single', variants: [{ name: 'main', model: `grocery@${v}`, weight: 1, role: 'primary' }] }, 'alice', `grocery@${v}`);
      revisions++;
    }
    log(`deployed: ${revisions} revisions over 2 endpoints`);
    await seedPipelines(where, now);
    await seedReleases(where, champion, challenger, now);
    return { runs, sha256: [sha[0]!, sha[1]!], versions, champion, challenger, deploymentRevisions: revisions, aliasMoves };
  } finally {
    ws.close();
  }
}

/** Three pipelines, 40 finished runs each (as the controller writes them), over the last weeks. */
async function seedPipelines(where: Where, now: number): Promise<void> {
  const store = await openPipelineStore(where);
  try {
    for (const pipeline of ['hs-retrain', 'grocery-retrain', 'intent-retrain']) {
      for (let r = 0; r < 40; r++) {
        const t0 = now - (40 - r) * DAY / 2;
        const step = (name: string, at: number, seconds: number, detail: string | null) => ({ name, startedAt: at, finishedAt: at + seconds * 1000, detail });
        const run = await store.startRun({ pipeline, trigger: r % 2 ? 'cron' : 'new-labels', actor: 'controller', owner: currentOwner(), now: t0 });
        const gated = r % 4 === 3;
        await store.recordProgress(run.id, {
          now: t0 + 40_000, dataset: `ds-${pipeline}-${r}`, candidate: `${MODEL}@${r + 1}`,
          steps: [step('data', t0, 2, '1,500 rows'), step('train:fasttext', t0 + 2000, 30, 'macroF1 0.89'), step('register', t0 + 32_000, 1, `${MODEL}@${r + 1}`),
            step('gates', t0 + 33_000, 5, gated ? 'failed: accuracy below the champion' : 'passed')],
        });
        await store.finishRun(run.id, { status: gated ? 'gated' : 'succeeded', now: t0 + 40_000, ...(gated ? { error: 'the candidate did not pass the gates' } : {}), watermark: { feedbackId: 0, feedbackCount: 0 } });
      }
    }
  } finally {
    await store.close();
  }
}

const PLAN: ReleasePlan = {
  steps: [{ kind: 'shadow', requests: 2000, minAgreement: 0.5 }, { kind: 'canary', percent: 10 }, { kind: 'canary', percent: 50 }],
  requireApproval: false, alpha: 0.05, minEffect: 0.02, maxLabels: 20_000,
  guardrails: { errorRate: 0.01, p99Ms: 50, drift: true, accuracy: true },
};

/** 30 finished releases on hs (promoted, or rolled back), newest last. */
async function seedReleases(where: Where, champion: number, challenger: number, now: number): Promise<void> {
  const storage = await openReleaseStorage(where, 'bench-ui');
  try {
    for (let r = 0; r < 30; r++) {
      const at = now - (30 - r) * DAY / 3;
      const created = await storage.releases.create({
        endpoint: ENDPOINT, pipeline: 'hs-retrain', challenger: `${MODEL}@${challenger}`, champion: `${MODEL}@${champion}`, baseRevision: r + 1, plan: PLAN,
        reason: 'pipeline hs-retrain passed its gates',
        baseSpec: { endpoint: ENDPOINT, mode: 'single', variants: [{ name: 'a', model: `${MODEL}@${champion}`, weight: 1, role: 'primary' }], logText: true },
      }, at);
      const promoted = r % 5 !== 4;
      await storage.releases.update(created.id, created.rev, { status: promoted ? 'promoted' : 'rolled-back', step: 2, since: at + 60_000, stepSince: at + 3_600_000, reason: promoted ? 'the challenger is better' : 'guardrail: p99' },
        { at: at + 7_200_000, what: promoted ? 'promoted' : 'rolled back' }, at + 7_200_000);
    }
  } finally {
    await storage.close();
  }
}
