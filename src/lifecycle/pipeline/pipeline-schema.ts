import { z } from 'zod';
import { TRAINABLE_KIND_NAMES } from '../../training/trainable-kinds.js';
import { MAX_DECISION_FOLDS } from '../../training/decision-folds.js';
import { REFERENCE_CLASSES } from '../../training/reference-rows.js';
import { cronProblem } from './cron-schedule.js';

/**
 * One pipeline as lading.yaml writes it (camelCase keys, every object strict so a typo is an
 * error, not a silently ignored key). Defaults are filled here, and each is documented where it is
 * set; pipeline-parser.ts turns the result into a PipelineSpec and names the line of every problem.
 *
 *   hs4:
 *     endpoint: hs4                 # default: the pipeline's name
 *     model: hs4                    # default: the pipeline's name
 *     data: { dataset: hs4-train, feedback: true, folder: incoming/ }
 *     train: [linear, { kind: fasttext, params: { epochs: 5 } }]
 *     refit: true
 *     decisionFolds: 3
 *     select: macroF1
 *     triggers: { cron: "0 3 * * *", drift: true, newLabels: 500 }
 *     gates: { golden: hs4-golden@1, feedbackHoldout: 0.2, margin: { accuracy: 0.01 }, budgets: { p99Ms: 5 } }
 *     release: { steps: [{ shadow: 2000 }, { canary: 5 }, { canary: 25 }], guardrails: { p99Ms: 50 } }
 */

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** `name` (the newest version of that name), `name@3` (its third), or a dataset id / unique prefix. */
const DATASET_REF = /^[A-Za-z0-9][A-Za-z0-9._-]*(@[1-9][0-9]*)?$/;

const shown = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'a mapping' : String(v));
/** "required: X" when absent, "expected X, got Y" otherwise: the message says what to write. */
const expected = (what: string) => (issue: { input?: unknown }): string => (issue.input === undefined ? `required: ${what}` : `expected ${what}, got ${shown(issue.input)}`);

const nameOf = (what: string) => z.string({ error: expected(what) }).regex(NAME, { error: expected(`${what} of letters, digits, ".", "_" or "-"`) });
const flag = z.boolean({ error: expected('true or false') });
const number = (what: string) => z.number({ error: expected(what) }).refine(Number.isFinite, { error: expected(what) });
/** Strictly between 0 and 1: a probability such as alpha, or a share that must not be 0. */
const openFraction = number('a number between 0 and 1 (exclusive)').refine((v) => v > 0 && v < 1, { error: expected('a number between 0 and 1 (exclusive)') });
/** From 0 to 1 inclusive: a margin or a drop that may be zero. */
const closedFraction = number('a number from 0 to 1').refine((v) => v >= 0 && v <= 1, { error: expected('a number from 0 to 1') });
const wholeAtLeast = (min: number) => z.number({ error: expected(`a whole number >= ${min}`) }).int({ error: expected(`a whole number >= ${min}`) }).min(min, { error: expected(`a whole number >= ${min}`) });
const FOLDS = `0 (off) or a whole number from 2 to ${MAX_DECISION_FOLDS}`;
const positive = (what: string) => number(what).refine((v) => v > 0, { error: expected(what) });

const kindName = z.string({ error: expected(`a model kind (${TRAINABLE_KIND_NAMES.join(', ')})`) }).superRefine((kind, ctx) => {
  if (TRAINABLE_KIND_NAMES.includes(kind)) return;
  ctx.addIssue({
    code: 'custom',
    message: kind === 'onnx'
      ? `model kind "onnx" is imported (lading import-onnx), not trained (trainable kinds: ${TRAINABLE_KIND_NAMES.join(', ')})`
      : `unknown model kind "${kind}" (trainable kinds: ${TRAINABLE_KIND_NAMES.join(', ')})`,
  });
});

const paramValue = z.union([z.string(), z.number(), z.boolean()], { error: expected('a string, number or true/false') });

/** A kind name alone (`fasttext`) is short for `{ kind: fasttext }`: the kind's own default parameters. */
const trainChoice = z.preprocess((v) => (typeof v === 'string' ? { kind: v } : v), z.object({
  kind: kindName,
  /** As `lading train --param key=value` takes them; checked against the kind's own parameters before a run. Default: none (the kind's defaults). */
  params: z.record(z.string(), paramValue, { error: expected('a mapping of parameter: value') }).default({}),
}, { error: expected('a model kind, or { kind, params }') }).strict());

const cron = z.string({ error: expected('a cron expression such as "0 3 * * *"') }).superRefine((expression, ctx) => {
  const problem = cronProblem(expression);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `"${expression}" is not a cron schedule (5 or 6 fields, UTC): ${problem}` });
});

const data = z.object({
  /** Required: the base data, a dataset reference (`name`, `name@3`, or a `ds-...` id). */
  dataset: z.string({ error: expected('a dataset reference (name, name@N or ds-... id)') })
    .regex(DATASET_REF, { error: expected('a dataset reference (name, name@N or ds-... id)') }),
  /** Default true: the endpoint's accepted feedback (corrected labels) joins the data. */
  feedback: flag.default(true),
  /** Default: none. A folder of new labelled CSV/JSONL files, relative to lading.yaml. */
  folder: z.string({ error: expected('a folder path') }).min(1, { error: expected('a folder path') }).optional(),
  /**
   * Default: none. A nomenclature's official descriptions that teach every fit (as `lading train
   * --nomenclature`): its file, relative to lading.yaml; its text column (default text); its column
   * with the data's codes (default: the dataset's label column name); known (default) or all classes.
   */
  nomenclature: z.object({
    file: z.string({ error: expected('a file path') }).min(1, { error: expected('a file path') }),
    text: z.string({ error: expected('a column name') }).min(1, { error: expected('a column name') }).default('text'),
    label: z.string({ error: expected('a column name') }).min(1, { error: expected('a column name') }).optional(),
    classes: z.enum(REFERENCE_CLASSES, { error: expected(REFERENCE_CLASSES.join(' or ')) }).default('known'),
  }, { error: expected('a mapping { file, text, label, classes }') }).strict().optional(),
}, { error: expected('a mapping { dataset, feedback, folder, nomenclature }') }).strict();

const triggers = z.object({
  /** Default: none. Evaluated in UTC. */
  cron: cron.optional(),
  /** Default false: a drift alert of the endpoint does not start a run. */
  drift: flag.default(false),
  /** Default: none. Run once at least this many accepted labels arrived since the last run. */
  newLabels: wholeAtLeast(1).optional(),
}, { error: expected('a mapping { cron, drift, newLabels }') }).strict();

const gates = z.object({
  /** Default: none (only the held-out feedback is a gate set then). A pinned version (`name@N`) keeps the bar still. */
  golden: z.string({ error: expected('a dataset reference (name@N)') }).regex(DATASET_REF, { error: expected('a dataset reference (name@N)') }).optional(),
  /**
   * Default 0.2: when the data takes the endpoint's feedback, its newest 20% (by feedback time) is
   * held out of training and the candidate is gated against the champion on it too (what
   * production sees now, which a golden set pinned months ago does not); 0 = train on all of it.
   * Below 1: holding out all of it would leave the corrections nothing to teach.
   */
  feedbackHoldout: number('a share from 0 to below 1 (e.g. 0.2)').refine((v) => v >= 0 && v < 1, { error: expected('a share from 0 to below 1 (e.g. 0.2)') }).default(0.2),
  /** Default { accuracy: 0.01, macroF1: 0.02 }: one accuracy point, two macro-F1 points (macro-F1 is noisier on rare classes). */
  margin: z.object({
    accuracy: closedFraction.default(0.01),
    macroF1: closedFraction.default(0.02),
  }, { error: expected('a mapping { accuracy, macroF1 }') }).strict().prefault({}),
  /** Default 0.05. */
  alpha: openFraction.default(0.05),
  /** Default { minSupport: 20, maxDrop: 0.10 }: below 20 texts a recall moves too much by chance to judge. */
  classRecall: z.object({
    minSupport: wholeAtLeast(1).default(20),
    maxDrop: closedFraction.default(0.1),
  }, { error: expected('a mapping { minSupport, maxDrop }') }).strict().prefault({}),
  /** Default: no budget of each kind. */
  budgets: z.object({
    p99Ms: positive('milliseconds > 0').optional(),
    artifactMb: positive('megabytes > 0').optional(),
    ece: openFraction.optional(),
  }, { error: expected('a mapping { p99Ms, artifactMb, ece }') }).strict().prefault({}),
}, { error: expected('a mapping of gate settings') }).strict();

/** `{ shadow: 2000 }` is short for `{ shadow: { requests: 2000 } }`. */
const shadow = z.preprocess((v) => (typeof v === 'number' ? { requests: v } : v), z.object({
  requests: wholeAtLeast(1),
  /** Default 0.8: the challenger must agree with the champion on at least 80% of the shadowed texts. */
  minAgreement: closedFraction.default(0.8),
}, { error: expected('a number of requests, or { requests, minAgreement }') }).strict());

const STEP_KINDS = ['shadow', 'canary', 'blueGreen', 'approval'] as const;
const step = z.object({
  shadow: shadow.optional(),
  canary: number('a percent between 0 and 100 (exclusive)').refine((v) => v > 0 && v < 100, { error: expected('a percent between 0 and 100 (exclusive)') }).optional(),
  blueGreen: z.literal(true, { error: expected('true') }).optional(),
  approval: z.literal(true, { error: expected('true') }).optional(),
}, { error: expected('a step: { shadow: N }, { canary: PERCENT }, { blueGreen: true } or { approval: true }') }).strict().superRefine((s, ctx) => {
  const present = STEP_KINDS.filter((k) => s[k] !== undefined);
  if (present.length !== 1) {
    ctx.addIssue({ code: 'custom', message: present.length === 0 ? `expected one of ${STEP_KINDS.join(', ')}` : `a step is one of ${STEP_KINDS.join(', ')}, this one has ${present.join(' and ')}` });
  }
});

/** Default plan: shadow 1,000 requests, then canary 10%, then 50%, then promotion. */
const DEFAULT_STEPS = [{ shadow: 1000 }, { canary: 10 }, { canary: 50 }];

const steps = z.array(step, { error: expected('a list of steps') }).superRefine((list, ctx) => {
  // Each canary step must widen the traffic share: a smaller one after a bigger one is a typo or a rollback, never a plan.
  let last: { percent: number; index: number } | undefined;
  list.forEach((s, index) => {
    if (s.canary === undefined) return;
    if (last !== undefined && s.canary <= last.percent) {
      ctx.addIssue({ code: 'custom', path: [index, 'canary'], message: `canary percents must increase: ${s.canary} comes after ${last.percent} (steps[${last.index}])` });
    }
    last = { percent: s.canary, index };
  });
}).prefault(DEFAULT_STEPS);

const release = z.object({
  steps,
  /** Default false: the alias moves when the statistics decide, without waiting for a person. */
  requireApproval: flag.default(false),
  /** Default 0.05. */
  alpha: openFraction.default(0.05),
  /** Default 0.02: two accuracy points is the smallest difference worth a release. */
  minEffect: openFraction.default(0.02),
  /** Default 20,000 labelled comparisons, then the champion stays. */
  maxLabels: wholeAtLeast(1).default(20_000),
  guardrails: z.object({
    /** Default 0.01 (Flagger's 99% non-error answers). */
    errorRate: openFraction.default(0.01),
    /** Default 50 ms: far tighter than Flagger's 500 ms, as short-text models answer in single milliseconds. */
    p99Ms: positive('milliseconds > 0').default(50),
    /** Default true. */
    drift: flag.default(true),
    /** Default true. */
    accuracy: flag.default(true),
  }, { error: expected('a mapping { errorRate, p99Ms, drift, accuracy }') }).strict().prefault({}),
}, { error: expected('a mapping of release settings') }).strict();

export const pipelineSchema = z.object({
  endpoint: nameOf('an endpoint name').optional(),
  model: nameOf('a model name').optional(),
  data,
  /** Default [linear]: the classic TF-IDF baseline, fast on two cores. */
  train: z.array(trainChoice, { error: expected('a list of model kinds') }).min(1, { error: 'expected at least one model kind' }).prefault(['linear']),
  /**
   * Default: as \`lading train\`, each kind is refit on all the run's rows after choosing on its
   * validation side (the kind is selected, and gated, on the fit without them); false ships the
   * validated fit (half the training time).
   */
  refit: flag.optional(),
  /**
   * Default: as \`lading train --decision-folds\` (3): the decide-or-route thresholds are fitted on
   * the training rows scored out of that many folds plus the validation rows; 0 fits them on the
   * validation rows alone (no extra fits).
   */
  decisionFolds: z.number({ error: expected(FOLDS) }).refine((v) => Number.isInteger(v) && (v === 0 || (v >= 2 && v <= MAX_DECISION_FOLDS)), { error: expected(FOLDS) }).optional(),
  /** Default macroF1: on skewed HS data minority classes matter as much as the total. */
  select: z.enum(['accuracy', 'macroF1'], { error: expected('accuracy or macroF1') }).default('macroF1'),
  /** Default: none (runs only by hand: `lading pipeline run NAME`). */
  triggers: triggers.prefault({}),
  gates: gates.prefault({}),
  release: release.prefault({}),
}, { error: expected('a pipeline (a mapping with at least data: { dataset })') }).strict();

export type PipelineInput = z.output<typeof pipelineSchema>;

export const PIPELINE_NAME = NAME;

/** Keys an older lading.yaml may still have, by path inside a pipeline: the unknown-key error says what replaced them. */
export const REPLACED_KEYS: Readonly<Record<string, string>> = {
  'gates.feedbackDays': 'gates.feedbackDays was replaced by gates.feedbackHoldout (the share of the newest feedback held out of training and gated on; default 0.2)',
};

/**
 * The keys a mapping at `path` (inside one pipeline) may have, for "unknown key" errors; walks the
 * schema through optional/default wrappers, shorthand pre-processing and list elements.
 */
export function knownKeys(path: readonly (string | number)[]): string[] {
  let node: z.ZodType | undefined = pipelineSchema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    const def = s._zod.def as unknown as { type: string; innerType?: z.ZodType; out?: z.ZodType; element?: z.ZodType };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'prefault' || def.type === 'nullable') && def.innerType) return unwrap(def.innerType);
    if (def.type === 'pipe' && def.out) return unwrap(def.out);
    return s;
  };
  for (const step of path) {
    if (node === undefined) return [];
    const s = unwrap(node);
    if (typeof step === 'number') node = (s._zod.def as unknown as { element?: z.ZodType }).element;
    else node = (s as unknown as { shape?: Record<string, z.ZodType> }).shape?.[step];
  }
  if (node === undefined) return [];
  return Object.keys((unwrap(node) as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {});
}
