import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { InputError } from '../../core/errors.js';
import {
  ALERT_METRIC_NAMES, DEFAULT_ALERT_RULES, DURATION_PATTERN, alertRule, durationWindow, parseDuration, resolveSideIsValid, rowsWindow,
  type AlertMetric, type AlertRule, type Comparison,
} from './alert-rule.js';

/**
 * Alert rules as people write them, in lading.yaml (`monitoring: {alerts: [...]}`) or a rules file
 * (YAML or JSON; either a list or `{alerts: [...]}`). Every error names the rule by index and the
 * field: `alerts[2].threshold: expected a number`, all of them at once, and nothing is applied.
 *
 *   - name: slow
 *     metric: latency_p99_ms      # one of ALERT_METRICS
 *     window: 5m                  # a duration (30s, 5m, 1h, 1d) or a row count (5000)
 *     comparison: '>'
 *     threshold: 80
 *     forMs: 2m                   # milliseconds or a duration; default 0
 *     resolveThreshold: 60        # default: threshold with a 10% margin
 *     minSamples: 0
 *     endpoint: hs4               # default: every endpoint
 *     variant: challenger         # default: every variant
 *   - name: log-drops             # a default rule, switched off
 *     enabled: false
 */
const expected = (what: string) => (issue: { input?: unknown }): string => (issue.input === undefined ? `required: ${what}` : `expected ${what}`);

const DURATION_TEXT = 'a duration such as 30s, 5m, 1h';
const WINDOW_TEXT = `expected ${DURATION_TEXT}, or a whole number of rows`;
const FOR_TEXT = `expected milliseconds (>= 0) or ${DURATION_TEXT}`;

const ruleSchema = z.object({
  name: z.string({ error: expected('a name (text)') }).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { error: 'expected a name of letters, digits, ".", "_" or "-"' }),
  metric: z.enum(ALERT_METRIC_NAMES as [AlertMetric, ...AlertMetric[]], { error: expected(`one of ${ALERT_METRIC_NAMES.join(', ')}`) }),
  window: z.union([
    z.number({ error: WINDOW_TEXT }).int({ error: WINDOW_TEXT }).positive({ error: WINDOW_TEXT }),
    z.string({ error: WINDOW_TEXT }).regex(DURATION_PATTERN, { error: WINDOW_TEXT }),
  ], { error: WINDOW_TEXT }).optional(),
  comparison: z.enum(['>', '<', '>=', '<='], { error: expected(`one of '>', '<', '>=', '<='`) }),
  threshold: z.number({ error: expected('a number') }).refine(Number.isFinite, { error: 'expected a finite number' }),
  forMs: z.union([
    z.number({ error: FOR_TEXT }).nonnegative({ error: FOR_TEXT }),
    z.string({ error: FOR_TEXT }).regex(DURATION_PATTERN, { error: FOR_TEXT }),
  ], { error: FOR_TEXT }).optional(),
  resolveThreshold: z.number({ error: expected('a number') }).refine(Number.isFinite, { error: 'expected a finite number' }).optional(),
  minSamples: z.number({ error: expected('a whole number') }).int({ error: 'expected a whole number' }).nonnegative({ error: 'expected a whole number >= 0' }).optional(),
  endpoint: z.string({ error: expected('an endpoint name') }).min(1, { error: 'expected an endpoint name' }).optional(),
  variant: z.string({ error: expected('a variant name') }).min(1, { error: 'expected a variant name' }).optional(),
  description: z.string({ error: expected('text') }).optional(),
  enabled: z.boolean({ error: expected('true or false') }).optional(),
}).strict();

type RuleInput = z.infer<typeof ruleSchema>;

/** A parsed rules list: rules to add or replace, and default rules switched off by name. */
export interface AlertRuleSet {
  readonly rules: readonly AlertRule[];
  readonly disabled: readonly string[];
}

interface Problem { readonly index: number | null; readonly field: string; readonly message: string }

export interface AlertRulesSource {
  /** Where the rules came from, for errors (a file, `lading.yaml`). */
  readonly source?: string | undefined;
  /** Prefix of the field names in errors: 'monitoring.' gives `monitoring.alerts[2].threshold`. */
  readonly keyPrefix?: string | undefined;
  /** "file:line:col" of a rule (index) or one of its fields (field: 'threshold', '' for the rule), so each error names its line. */
  readonly locate?: ((index: number | null, field: string) => string | undefined) | undefined;
}

/** Parses a rules list (or an object holding one under `alerts`); `source` names where it came from, for errors. */
export function parseAlertRules(input: unknown, from: string | AlertRulesSource = 'alert rules'): AlertRuleSet {
  const where: AlertRulesSource = typeof from === 'string' ? { source: from } : from;
  const source = where.source ?? 'alert rules';
  const list = Array.isArray(input) ? input : isObject(input) && 'alerts' in input ? input.alerts : input;
  if (list === undefined || list === null) return { rules: [], disabled: [] };
  if (!Array.isArray(list)) throw failure(source, [{ index: null, field: '', message: 'expected a list of rules' }], where);
  const problems: Problem[] = [];
  const rules: AlertRule[] = [];
  const disabled: string[] = [];
  const seen = new Map<string, number>();
  list.forEach((item: unknown, index) => {
    const name = isObject(item) && typeof item.name === 'string' ? item.name : undefined;
    if (name !== undefined) {
      const first = seen.get(name);
      if (first !== undefined) problems.push({ index, field: 'name', message: `"${name}" is already the name of alerts[${first}]` });
      else seen.set(name, index);
    }
    // `{name, enabled: false}` switches a rule (usually a default) off; nothing else is needed. A
    // complete rule with `enabled: false` is checked like any other, then left out.
    if (isObject(item) && item.enabled === false && Object.keys(item).every((k) => k === 'name' || k === 'enabled')) {
      if (name === undefined) problems.push({ index, field: 'name', message: expected('a name (text)')({ input: item.name }) });
      else disabled.push(name);
      return;
    }
    if (!isObject(item)) { problems.push({ index, field: '', message: 'expected a rule (an object with name, metric, comparison, threshold...)' }); return; }
    const parsed = ruleSchema.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) problems.push({ index, field: key, message: `unknown field; a rule has ${Object.keys(ruleSchema.shape).join(', ')}` });
        } else problems.push({ index, field: issue.path.map(String).join('.'), message: issue.message });
      }
      return;
    }
    if (parsed.data.enabled === false) { disabled.push(parsed.data.name); return; }
    const rule = toRule(parsed.data);
    if (!resolveSideIsValid(rule.comparison, rule.threshold, rule.resolveThreshold)) {
      const side = rule.comparison.startsWith('>') ? 'at or below' : 'at or above';
      problems.push({ index, field: 'resolveThreshold', message: `expected a value ${side} threshold ${rule.threshold} (the healthy side), got ${rule.resolveThreshold}` });
      return;
    }
    rules.push(rule);
  });
  if (problems.length > 0) throw failure(source, problems, where);
  return { rules, disabled };
}

/** Reads a YAML or JSON rules file. */
export function loadAlertRulesFile(path: string): AlertRuleSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('alert-rules-unreadable', `cannot read the alert rules file ${path}: ${(e as Error).message}`, { file: path }, 'check the path given for the alert rules', { cause: e });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InputError('alert-rules-invalid', `${path} is not valid YAML or JSON: ${(e as Error).message}`, { file: path }, 'fix the syntax; JSON is valid YAML', { cause: e });
  }
  return parseAlertRules(doc, path);
}

/**
 * The rules in force: the defaults, then each rule set in order (a rule replaces an earlier one of
 * the same name; `enabled: false` removes it). Defaults come first so a project file can tune them.
 */
export function resolveAlertRules(sets: readonly AlertRuleSet[], defaults: readonly AlertRule[] = DEFAULT_ALERT_RULES): AlertRule[] {
  const byName = new Map<string, AlertRule>();
  for (const r of defaults) byName.set(r.name, r);
  for (const set of sets) {
    for (const name of set.disabled) byName.delete(name);
    for (const r of set.rules) byName.set(r.name, r);
  }
  return [...byName.values()];
}

function toRule(d: RuleInput): AlertRule {
  const window = d.window === undefined ? defaultWindow(d.metric) : typeof d.window === 'number' ? rowsWindow(d.window) : durationWindow(d.window);
  const forMs = d.forMs === undefined ? 0 : typeof d.forMs === 'number' ? d.forMs : parseDuration(d.forMs)!;
  return alertRule({
    name: d.name, metric: d.metric, window, comparison: d.comparison as Comparison, threshold: d.threshold, forMs,
    resolveThreshold: d.resolveThreshold, minSamples: d.minSamples, endpoint: d.endpoint ?? null, variant: d.variant ?? null,
    description: d.description ?? `${d.metric} ${d.comparison} ${d.threshold}`,
  });
}

/** A rule that names no window gets the one its default counterpart uses (5,000 predictions, 5 minutes...). */
function defaultWindow(metric: AlertMetric) {
  return DEFAULT_ALERT_RULES.find((r) => r.metric === metric)?.window
    ?? (metric === 'real_accuracy' || metric === 'labelled_share' ? rowsWindow(1_000) : metric.startsWith('drift') || metric.startsWith('estimated') ? rowsWindow(5_000) : durationWindow('5m'));
}

function failure(source: string, problems: readonly Problem[], from: AlertRulesSource = {}): InputError {
  const prefix = from.keyPrefix ?? '';
  const where = (p: Problem) => `${prefix}${p.index === null ? 'alerts' : `alerts[${p.index}]${p.field ? `.${p.field}` : ''}`}`;
  // With a locator every problem leads with its file:line:col, as the project file's other errors do.
  const at = (p: Problem) => from.locate?.(p.index, p.field);
  const lines = problems.map((p) => { const l = at(p); return `${l ? `${l}: ` : ''}${where(p)}: ${p.message}`; });
  const first = problems[0]!;
  const firstAt = at(first);
  const line = firstAt === undefined ? undefined : Number(/:(\d+):\d+$/.exec(firstAt)?.[1]);
  return new InputError('alert-rule-invalid', `${lines.join('; ')}${firstAt ? '' : ` (in ${source})`}`, {
    source, key: where(first), index: first.index ?? undefined, field: first.field || undefined, line, problems: problems.length,
  }, 'fix the named fields; see ALERT_METRICS for the metric names and the rule fields in alert-rule-parser.ts');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
