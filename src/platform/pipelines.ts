import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Settings } from '../config/config.js';
import { checkTrainParams, parsePipelines, type PipelineSource } from '../lifecycle/pipeline/pipeline-parser.js';
import type { PipelineSpec } from '../lifecycle/pipeline/pipeline-spec.js';
import type { PipelineRun, PipelineState, PipelineStore } from '../lifecycle/pipeline/pipeline-store.js';
import { currentOwner, ownerGone } from '../lifecycle/pipeline/run-owner.js';
import { openPgPipelineStore } from '../lifecycle/pipeline/postgres/pipeline-store.js';
import { openSqlitePipelineStore } from '../lifecycle/pipeline/sqlite/pipeline-store.js';
import { readTriggerFacts } from '../lifecycle/pipeline/trigger-facts.js';
import { dueTrigger, nextScheduledRun, type FiredTrigger } from '../lifecycle/pipeline/triggers.js';
import { monitorAlertRules } from './monitor-process.js';
import { withMonitoringStore } from './monitoring-store.js';

/**
 * Pipelines (lading.yaml's `pipelines:`) composed with the parts they run on: the workspace
 * (datasets, models), the monitoring store (feedback, alerts) and the pipeline store. The
 * controller's process slots in beside these and uses the same pieces; a run by hand is
 * gated-pipeline-run.ts.
 */
export type PipelineSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema' | 'threads' | 'monitoring'>;

/** Where lading.yaml's pipelines section is, so every error names its line. */
export interface PipelineFile {
  readonly projectFile?: string | undefined;
  /** "file:line:col" of a part of the section (ResolvedSettings.locate('pipelines', path)). */
  readonly locate?: ((path: readonly (string | number)[]) => string | undefined) | undefined;
}

/** The pipelines declared, checked in full (kinds, cron, params against each kind): a bad one is an InputError naming its key and line. */
export async function loadPipelineSpecs(section: Settings['pipelines'], file: PipelineFile = {}): Promise<PipelineSpec[]> {
  const from: PipelineSource = { source: file.projectFile, locate: file.locate, baseDir: file.projectFile === undefined ? undefined : dirname(file.projectFile) };
  const specs = parsePipelines(section, from);
  await checkTrainParams(specs, from);
  return specs;
}

type StoreSettings = Pick<Settings, 'home' | 'registryUrl' | 'registrySchema'>;

/**
 * Embedded: `<home>/pipelines.sqlite`, a file of its own as monitoring.sqlite is: a running
 * pipeline heartbeats every few seconds, and no registry write should queue behind that (nor the
 * reverse); it also needs no migration of the workspace's own schema. With a registry URL: `pl_*`
 * tables in the registry's PostgreSQL schema, so every machine sees one state (pauses, runs).
 */
export function pipelineStorePath(settings: Pick<Settings, 'home'>): string {
  return join(settings.home, 'pipelines.sqlite');
}

export async function openPipelineStore(settings: StoreSettings): Promise<PipelineStore> {
  if (settings.registryUrl !== undefined && settings.registryUrl !== '') return openPgPipelineStore({ url: settings.registryUrl, schema: settings.registrySchema });
  mkdirSync(settings.home, { recursive: true });
  return openSqlitePipelineStore(pipelineStorePath(settings));
}

export async function withPipelineStore<T>(settings: StoreSettings, work: (store: PipelineStore) => Promise<T>): Promise<T> {
  const store = await openPipelineStore(settings);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}


/** A pipeline as `lading pipeline list/show` report it. */
export interface PipelineStatus {
  readonly spec: PipelineSpec;
  readonly state: PipelineState;
  readonly lastRun: PipelineRun | null;
  /** The trigger that would start a run now (null: none, paused, or running). */
  readonly due: FiredTrigger | null;
  readonly newLabels: number;
  readonly nextCron: number | null;
}

/** Every named pipeline's state, last run and due trigger; runs whose process died are marked failed first. */
export async function pipelineStatuses(settings: PipelineSettings, specs: readonly PipelineSpec[], now = Date.now()): Promise<PipelineStatus[]> {
  const driftRules = new Set(monitorAlertRules(settings.monitoring).filter((r) => r.metric.startsWith('drift')).map((r) => r.name));
  return withPipelineStore(settings, async (store) => {
    const owner = currentOwner();
    await store.reapRuns((r) => ownerGone(r, now, owner), now);
    return withMonitoringStore(settings, async (monitoring) => {
      const out: PipelineStatus[] = [];
      for (const spec of specs) {
        const state = await store.state(spec.name, now);
        const lastRun = (await store.listRuns(spec.name, 1))[0] ?? null;
        const facts = await readTriggerFacts(spec, state, monitoring, driftRules);
        out.push({ spec, state, lastRun, due: dueTrigger(spec, state, now, facts), newLabels: facts.newLabelsSinceLastRun, nextCron: nextScheduledRun(spec, state) });
      }
      return out;
    });
  });
}

/** A pipeline's runs, newest first, after marking failed those whose process died. */
export async function pipelineHistory(settings: StoreSettings, pipeline: string, limit: number, now = Date.now()): Promise<PipelineRun[]> {
  return withPipelineStore(settings, async (store) => {
    const owner = currentOwner();
    await store.reapRuns((r) => ownerGone(r, now, owner), now);
    return store.listRuns(pipeline, limit);
  });
}

export async function setPipelinePaused(settings: StoreSettings, pipeline: string, paused: boolean, change: { by: string; reason?: string | undefined }): Promise<PipelineState> {
  return withPipelineStore(settings, (store) => store.setPaused(pipeline, paused, { ...change, now: Date.now() }));
}
