import { isAbsolute, resolve } from 'node:path';
import { InputError, NotFoundError } from '../../core/errors.js';
import { sectionFailure } from '../../core/section-problems.js';
import { modelKind } from '../../models/kinds.js';
import { knownKeys, PIPELINE_NAME, pipelineSchema, REPLACED_KEYS, type PipelineInput } from './pipeline-schema.js';
import type { ReleasePlan, PipelineSpec, ReleaseStep } from './pipeline-spec.js';

/**
 * lading.yaml's `pipelines:` section (a mapping NAME -> pipeline) as PipelineSpecs with every
 * default filled (pipeline-schema.ts documents each). Every problem of every pipeline is reported
 * at once, each as `file:line:col: pipelines.NAME.key.path: what is wrong`, and nothing is returned
 * unless all are valid: parsing is pure, so a bad file changes nothing.
 */
export interface PipelineSource {
  /** Where the section came from, for errors without a line (`lading.yaml`). */
  readonly source?: string | undefined;
  /** "file:line:col" of a part of the section, by its path inside it ([NAME, 'triggers', 'cron']). */
  readonly locate?: ((path: readonly (string | number)[]) => string | undefined) | undefined;
  /** The folder lading.yaml is in: a pipeline's `data.folder` is taken from here. Default: the current folder. */
  readonly baseDir?: string | undefined;
}

interface Problem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export function parsePipelines(section: unknown, from: PipelineSource = {}): PipelineSpec[] {
  if (section === undefined || section === null) return [];
  if (typeof section !== 'object' || Array.isArray(section)) throw failure([{ path: [], message: 'expected a mapping of pipeline name: pipeline' }], from);
  const problems: Problem[] = [];
  const specs: PipelineSpec[] = [];
  for (const [name, value] of Object.entries(section as Record<string, unknown>)) {
    if (!PIPELINE_NAME.test(name)) {
      problems.push({ path: [name], message: 'a pipeline name is letters, digits, ".", "_" or "-" (at most 100)' });
      continue;
    }
    const parsed = pipelineSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const at = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) {
            const known = knownKeys(at);
            const replaced = REPLACED_KEYS[[...at, key].join('.')];
            problems.push({ path: [name, ...at, key], message: `unknown key${replaced !== undefined ? `: ${replaced}` : known.length > 0 ? ` (known here: ${known.join(', ')})` : ''}` });
          }
        } else problems.push({ path: [name, ...at], message: issue.message });
      }
      continue;
    }
    specs.push(toSpec(name, parsed.data, from.baseDir));
  }
  if (problems.length > 0) throw failure(problems, from);
  return specs;
}

/** The release plan of a pipeline that names none: the schema's defaults (also `lading experiment start`'s plan). */
export function defaultReleasePlan(): ReleasePlan {
  return parsePipelines({ default: { data: { dataset: 'default' } } })[0]!.release;
}

/** The pipeline called `name`; NotFoundError naming the ones there are. */
export function findPipeline(specs: readonly PipelineSpec[], name: string): PipelineSpec {
  const spec = specs.find((s) => s.name === name);
  if (spec === undefined) {
    throw new NotFoundError('unknown-pipeline', `no pipeline "${name}" in lading.yaml${specs.length > 0 ? `; there are: ${specs.map((s) => s.name).join(', ')}` : ' (it declares none)'}`,
      { pipeline: name }, 'Declare it under `pipelines:` in lading.yaml (see `lading pipeline --help`).');
  }
  return spec;
}

function toSpec(name: string, p: PipelineInput, baseDir: string | undefined): PipelineSpec {
  const folder = p.data.folder === undefined ? undefined : isAbsolute(p.data.folder) ? p.data.folder : resolve(baseDir ?? '.', p.data.folder);
  return {
    name,
    endpoint: p.endpoint ?? name,
    model: p.model ?? name,
    data: {
      dataset: p.data.dataset, feedback: p.data.feedback, folder,
      ...(p.data.nomenclature ? { nomenclature: { ...p.data.nomenclature, file: isAbsolute(p.data.nomenclature.file) ? p.data.nomenclature.file : resolve(baseDir ?? '.', p.data.nomenclature.file) } } : {}),
    },
    train: p.train.map((t) => ({ kind: t.kind, params: t.params })),
    refit: p.refit,
    decisionFolds: p.decisionFolds,
    select: p.select,
    triggers: { cron: p.triggers.cron, drift: p.triggers.drift, newLabels: p.triggers.newLabels },
    gates: {
      golden: p.gates.golden,
      feedbackHoldout: p.gates.feedbackHoldout,
      margin: { ...p.gates.margin },
      alpha: p.gates.alpha,
      classRecall: { ...p.gates.classRecall },
      budgets: { p99Ms: p.gates.budgets.p99Ms, artifactMb: p.gates.budgets.artifactMb, ece: p.gates.budgets.ece },
    },
    release: {
      steps: p.release.steps.map(toStep),
      requireApproval: p.release.requireApproval,
      alpha: p.release.alpha,
      minEffect: p.release.minEffect,
      maxLabels: p.release.maxLabels,
      guardrails: { ...p.release.guardrails },
    },
  };
}

function toStep(s: PipelineInput['release']['steps'][number]): ReleaseStep {
  if (s.shadow !== undefined) return { kind: 'shadow', requests: s.shadow.requests, minAgreement: s.shadow.minAgreement };
  if (s.canary !== undefined) return { kind: 'canary', percent: s.canary };
  if (s.blueGreen !== undefined) return { kind: 'blue-green' };
  return { kind: 'approval' };
}

/**
 * Each `train[i].params` key against the kind's own parameters (name and type of its default),
 * so a typo fails in `lading config show` with its line rather than an hour into a run. Async
 * because kinds load on demand; the kinds themselves were checked by parsePipelines.
 */
export async function checkTrainParams(specs: readonly PipelineSpec[], from: PipelineSource = {}): Promise<void> {
  const problems: Problem[] = [];
  for (const spec of specs) {
    for (const [index, choice] of spec.train.entries()) {
      const defaults = (await modelKind(choice.kind)).defaults;
      for (const [key, value] of Object.entries(choice.params)) {
        const def = defaults[key];
        const path = [spec.name, 'train', index, 'params', key];
        if (def === undefined) problems.push({ path, message: `unknown parameter of ${choice.kind} (known: ${Object.keys(defaults).join(', ')})` });
        else if (typeof def !== typeof value) problems.push({ path, message: `expected a ${typeof def} (${choice.kind}'s default is ${String(def)}), got ${JSON.stringify(value)}` });
      }
    }
  }
  if (problems.length > 0) throw failure(problems, from);
}

/** `pipelines.hs4.train[1].kind`: the key as a person finds it in the file. */
export function pipelineKey(path: readonly (string | number)[]): string {
  return path.reduce<string>((key, step) => (typeof step === 'number' ? `${key}[${step}]` : `${key}.${step}`), 'pipelines');
}

function failure(problems: readonly Problem[], from: PipelineSource): InputError {
  const first = problems[0]!;
  return sectionFailure('pipeline-invalid', pipelineKey, problems, from,
    'Fix the named keys under `pipelines:`; `lading pipeline --help` shows the shape of a pipeline.', { pipeline: typeof first.path[0] === 'string' ? first.path[0] : undefined });
}
