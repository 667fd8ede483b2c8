import { InputError } from '../../core/errors.js';
import type { AlertEventRecord } from '../store/monitoring-store.js';
import { breaches, recovered, type AlertRule } from './alert-rule.js';

/** One computed value of a metric for one endpoint (and variant, when the metric is per variant). */
export interface MetricObservation {
  readonly metric: string;
  readonly endpoint: string;
  readonly variant?: string | null | undefined;
  readonly value: number;
  /** Epoch ms the value describes (the end of its window). */
  readonly at: number;
  /** How many items the value rests on (labels for real accuracy); checked against the rule's minSamples. */
  readonly samples?: number | undefined;
  /** The window it was computed over (AlertWindow.text); when given, only rules with that window see it. */
  readonly window?: string | undefined;
}

/** An alert firing now. */
export interface ActiveAlert {
  readonly id: string;
  readonly rule: string;
  readonly endpoint: string;
  readonly variant: string | null;
  readonly firedAt: number;
  readonly value: number;
  readonly threshold: number;
}

/** Per (rule, endpoint, variant): 'pending' while the condition holds but not yet for forMs. */
interface Track {
  phase: 'ok' | 'pending' | 'firing';
  /** pending: when the condition started to hold; firing: when it fired. */
  since: number;
  lastAt: number;
  id: string | null;
  value: number;
}

export interface AlertEvaluatorState {
  readonly formatVersion: 1;
  readonly tracks: ReadonlyArray<{
    readonly rule: string; readonly endpoint: string; readonly variant: string | null;
    readonly phase: 'ok' | 'pending' | 'firing'; readonly since: number; readonly lastAt: number; readonly id: string | null; readonly value: number;
  }>;
}

/**
 * Turns metric observations into alert transitions. Each (rule, endpoint, variant) is a small state
 * machine: ok -> pending (condition holds) -> firing (it held for forMs) -> ok (value back past the
 * resolve threshold). A firing alert ignores values between the two thresholds, so a value
 * oscillating around the threshold fires once and resolves once. Observations older than the last
 * one seen for the same track are ignored (two monitors or a replay must not rewind an alert).
 * Pure and synchronous: it never waits on a sink; its state is exported as JSON so a restarted
 * monitor resumes without a second "fired".
 */
export class AlertEvaluator {
  private readonly byMetric = new Map<string, AlertRule[]>();
  private readonly rules = new Map<string, AlertRule>();
  private readonly tracks = new Map<string, Track & { rule: string; endpoint: string; variant: string | null }>();

  constructor(rules: readonly AlertRule[]) {
    for (const r of rules) {
      if (this.rules.has(r.name)) throw new InputError('alert-rule-duplicate', `two alert rules are named "${r.name}"`, { rule: r.name }, 'give each rule its own name');
      this.rules.set(r.name, r);
      const list = this.byMetric.get(r.metric);
      if (list) list.push(r); else this.byMetric.set(r.metric, [r]);
    }
  }

  /** Feeds observations (in time order); returns the transitions they cause, in order. */
  observe(observations: MetricObservation | readonly MetricObservation[]): AlertEventRecord[] {
    const list: readonly MetricObservation[] = Array.isArray(observations) ? observations : [observations as MetricObservation];
    const events: AlertEventRecord[] = [];
    for (const o of list) {
      if (!Number.isFinite(o.value) || !Number.isFinite(o.at)) continue; // no data is not a value
      const rules = this.byMetric.get(o.metric);
      if (!rules) continue;
      const variant = o.variant ?? null;
      for (const rule of rules) {
        if (rule.endpoint !== null && rule.endpoint !== o.endpoint) continue;
        if (rule.variant !== null && rule.variant !== variant) continue;
        if (o.window !== undefined && o.window !== rule.window.text) continue;
        if (rule.minSamples > 0 && (o.samples ?? 0) < rule.minSamples) continue;
        const event = this.step(rule, o.endpoint, variant, o.value, o.at);
        if (event) events.push(event);
      }
    }
    return events;
  }

  private step(rule: AlertRule, endpoint: string, variant: string | null, value: number, at: number): AlertEventRecord | undefined {
    const key = trackKey(rule.name, endpoint, variant);
    let t = this.tracks.get(key);
    if (!t) {
      t = { rule: rule.name, endpoint, variant, phase: 'ok', since: at, lastAt: -Infinity, id: null, value };
      this.tracks.set(key, t);
    }
    if (at < t.lastAt) return undefined;
    t.lastAt = at;
    t.value = value;
    if (t.phase === 'firing') {
      if (!recovered(rule, value)) return undefined;
      const id = t.id!;
      t.phase = 'ok'; t.id = null; t.since = at;
      return {
        id, state: 'resolved', rule: rule.name, endpoint, variant, at, value, threshold: rule.threshold,
        message: `${rule.name}: ${rule.metric} ${fmt(value)} is back past ${fmt(rule.resolveThreshold)} on ${scope(endpoint, variant)}`,
      };
    }
    if (!breaches(rule, value)) {
      t.phase = 'ok';
      return undefined;
    }
    if (t.phase === 'ok') { t.phase = 'pending'; t.since = at; }
    if (at - t.since < rule.forMs) return undefined;
    t.phase = 'firing';
    const heldMs = at - t.since;
    t.since = at;
    t.id = `${rule.name}|${endpoint}|${variant ?? '*'}|${at}`;
    return {
      id: t.id, state: 'fired', rule: rule.name, endpoint, variant, at, value, threshold: rule.threshold,
      message: `${rule.name}: ${rule.metric} ${fmt(value)} ${rule.comparison} ${fmt(rule.threshold)} over ${rule.window.text}${heldMs > 0 ? ` for ${Math.round(heldMs / 1000)} s` : ''} on ${scope(endpoint, variant)}${rule.description ? ` (${rule.description})` : ''}`,
    };
  }

  active(): ActiveAlert[] {
    const out: ActiveAlert[] = [];
    for (const t of this.tracks.values()) {
      if (t.phase !== 'firing') continue;
      const rule = this.rules.get(t.rule)!;
      out.push({ id: t.id!, rule: t.rule, endpoint: t.endpoint, variant: t.variant, firedAt: t.since, value: t.value, threshold: rule.threshold });
    }
    return out;
  }

  exportState(): AlertEvaluatorState {
    return {
      formatVersion: 1,
      tracks: [...this.tracks.values()].filter((t) => t.phase !== 'ok' || Number.isFinite(t.lastAt))
        .map((t) => ({ rule: t.rule, endpoint: t.endpoint, variant: t.variant, phase: t.phase, since: t.since, lastAt: t.lastAt, id: t.id, value: t.value })),
    };
  }

  /**
   * Restores exported state (replacing any). Tracks of rules that no longer exist are left out; the
   * alerts among them that were firing are returned so the caller can record them as resolved.
   */
  importState(state: unknown): { restored: number; orphaned: ActiveAlert[] } {
    const s = checkState(state);
    this.tracks.clear();
    const orphaned: ActiveAlert[] = [];
    for (const t of s.tracks) {
      if (!this.rules.has(t.rule)) {
        if (t.phase === 'firing' && t.id) orphaned.push({ id: t.id, rule: t.rule, endpoint: t.endpoint, variant: t.variant, firedAt: t.since, value: t.value, threshold: Number.NaN });
        continue;
      }
      this.tracks.set(trackKey(t.rule, t.endpoint, t.variant), { ...t });
    }
    return { restored: this.tracks.size, orphaned };
  }
}

function checkState(state: unknown): AlertEvaluatorState {
  const bad = (what: string): never => { throw new InputError('alert-state-invalid', `saved alert state is invalid: ${what}`, {}, 'delete the saved state; alerts that were firing will fire again once'); };
  if (typeof state !== 'object' || state === null) return bad('not an object');
  const s = state as { formatVersion?: unknown; tracks?: unknown };
  if (s.formatVersion !== 1) return bad(`unknown format ${String(s.formatVersion)}`);
  if (!Array.isArray(s.tracks)) return bad('tracks is not a list');
  s.tracks.forEach((t: unknown, i) => {
    const r = t as Record<string, unknown>;
    const ok = typeof r === 'object' && r !== null && typeof r.rule === 'string' && typeof r.endpoint === 'string'
      && (r.variant === null || typeof r.variant === 'string') && (r.phase === 'ok' || r.phase === 'pending' || r.phase === 'firing')
      && typeof r.since === 'number' && (typeof r.lastAt === 'number' || r.lastAt === null) && (r.id === null || typeof r.id === 'string') && typeof r.value === 'number'
      && (r.phase !== 'firing' || typeof r.id === 'string');
    if (!ok) bad(`tracks[${i}] is malformed`);
    if (r.lastAt === null) r.lastAt = -Infinity; // JSON has no -Infinity
  });
  return s as AlertEvaluatorState;
}

function trackKey(rule: string, endpoint: string, variant: string | null): string {
  return `${rule}\0${endpoint}\0${variant ?? '\u0001'}`;
}

function scope(endpoint: string, variant: string | null): string {
  return variant === null ? `endpoint ${endpoint}` : `endpoint ${endpoint} variant ${variant}`;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : Number(v.toPrecision(4)).toString();
}
