import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServingProcess, type ServingProcess, type ServingSettings } from '../../src/platform/index.js';

/** Every setting a serving process reads, for a test: a temp home, any free port, one thread, the log on. */
export function servingSettings(overrides: Partial<ServingSettings> = {}): ServingSettings {
  return {
    home: mkdtempSync(join(tmpdir(), 'lading-monitor-')), registryUrl: undefined, registrySchema: 'public',
    port: 0, host: '127.0.0.1', workers: 1, maxDelayMs: 2, maxBodyKb: 1024, token: undefined, protectPredictions: false, pollMs: 1000,
    log: true, logFlushMs: 1000, logQueueTexts: 50_000, logRetentionDays: 30, logRetentionRows: 10_000_000, logText: true,
    ...overrides,
  };
}

export interface ServedModel extends ServingProcess {
  readonly settings: ServingSettings;
  /** The SQLite prediction log of this process. */
  readonly logPath: string;
}

/** A real serving process (HTTP on a free port) serving `model` as endpoint `hs`. */
export async function serveModel(model: string, overrides: Partial<ServingSettings> = {}, warnings?: string[]): Promise<ServedModel> {
  const settings = servingSettings(overrides);
  const p = await startServingProcess(settings, { models: [{ ref: model, endpoint: 'hs' }] }, { onLogWarning: (l) => warnings?.push(l) });
  return Object.assign(p, { settings, logPath: join(settings.home, 'monitoring.sqlite') });
}

export async function classify(url: string, texts: readonly string[], requestId?: string): Promise<{ status: number; body: Record<string, any>; id: string | null }> {
  const r = await fetch(`${url}/v1/models/hs:classify`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) }, body: JSON.stringify({ texts }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, any>, id: r.headers.get('x-request-id') };
}

export async function infer(url: string, texts: readonly string[], id?: string): Promise<{ status: number; body: Record<string, any> }> {
  const r = await fetch(`${url}/v2/models/hs/infer`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...(id ? { id } : {}), inputs: [{ name: 'text', shape: [texts.length], datatype: 'BYTES', data: texts }] }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

export async function postFeedback(url: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const r = await fetch(`${url}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}
