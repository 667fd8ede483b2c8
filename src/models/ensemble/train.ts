import { InterruptedError } from '../../core/errors.js';
import type { Classifier, HeldOutChoices, TrainInput, TrainOptions } from '../classifier.js';
import { withHeldOutChoices } from '../held-out-choices.js';
import { crossFitMembers, fitMember } from './cross-fit.js';
import { ensembleChoices, fixedEnsembleChoices, type EnsembleChoices } from './held-out.js';
import { assignFolds } from './folds.js';
import { memberBytes, loadMember } from './member-bytes.js';
import { EnsembleClassifier } from './model.js';
import { buildMemory, MemorySearch } from './near-duplicate-memory.js';
import { parseEnsembleParams, type EnsembleParams } from './params.js';
import { rerankExamples } from './rerank-examples.js';
import { CandidateFeaturiser, logPriorOf } from './rerank-features.js';
import { fitRerank, fitTemperature, type RerankExamples } from './rerank-fit.js';
import { measureCosts } from './costs.js';
import { trafficRows } from '../reference-input.js';

/**
 * Trains the ensemble:
 * 1. cross-fitting: rows are dealt into folds; for each fold every member (and the near-duplicate
 *    memory) is fitted on the other folds and scores the fold, so each training row gets scores
 *    from models that never saw it;
 * 2. the re-ranker is fitted on those out-of-fold candidates;
 * 3. the members and the memory are fitted again on all training rows (what is served);
 * 4. the re-ranker's temperature is fitted on the validation rows, scored by the served members.
 * A refit (TrainOptions.fixed: held-out.ts) keeps the re-ranker's weights and temperature and the
 * members' own choices, and does step 3 alone, on every row it is given: what the first fit learnt
 * on held-out rows stays, and the parts that learn from rows learn from all of them.
 * Reference rows (TrainInput.referenceRows: a nomenclature's descriptions) are not traffic: every
 * member fit learns from them (fold fits and the served fit), but no fold scores them, so the
 * re-ranker never trains on them, and the class prior and the near-duplicate memory are the
 * traffic's alone (see below).
 */
export async function trainEnsemble(input: TrainInput, options: TrainOptions): Promise<Classifier> {
  const params = parseEnsembleParams(options.params);
  const fixed = fixedEnsembleChoices(options.fixed, params);
  const stopIfAborted = (): void => { if (options.signal?.aborted) throw new InterruptedError('ensemble training'); };
  const C = input.labels.length;
  const n = trafficRows(input);
  const texts = input.texts.slice(0, n);
  const y = input.y.subarray(0, n);
  // The prior says how often traffic carries a class; descriptions (one or a few per code, spread
  // evenly) would flatten it towards codes that are rarely shipped.
  const logPrior = logPriorOf(y, C);
  if (fixed) return refitEnsemble(input, options, params, fixed, { texts, y, logPrior }, stopIfAborted);
  const featuriser = new CandidateFeaturiser(params.members.length, C, params.topK, params.memory ? params.memoryLabels : 0, logPrior);
  const searchOf = (memoryTexts: readonly string[], memoryY: Int32Array): MemorySearch | undefined =>
    params.memory ? new MemorySearch(buildMemory(memoryTexts, memoryY), C, memorySettings(params)) : undefined;

  // Only traffic is dealt into folds: crossFitMembers adds the reference rows to every fold's fit.
  const foldOf = assignFolds(texts, y, params.folds, options.seed);
  const parts: RerankExamples[] = [];
  const memberHits = new Float64Array(params.members.length);
  await crossFitMembers(input, options, params.members, foldOf, params.folds, (_f, rows, trainRows, proba) => {
    stopIfAborted();
    const foldTexts = Array.from(rows, (i) => texts[i]!);
    const foldY = Int32Array.from(rows, (i) => y[i]!);
    const memoryRows = trainRows.filter((i) => i < n);
    const search = searchOf(Array.from(memoryRows, (i) => texts[i]!), Int32Array.from(memoryRows, (i) => y[i]!));
    parts.push(rerankExamples(foldTexts, foldY, proba, search, featuriser));
    proba.forEach((p, m) => { memberHits[m]! += hits(p, foldY, C); });
  });
  const oof = concatExamples(parts);
  const fit = fitRerank(oof, params.l2);
  stopIfAborted();

  const served = await fitServedMembers(input, options, params.members, undefined, 'all rows ', stopIfAborted);
  const { members } = served;
  // The memory remembers traffic only. Its vote means "a line like this one was shipped under these
  // codes", and the re-ranker learnt how far to trust it from out-of-fold traffic neighbours; a
  // description ("Of plastics", "Other, of a cylinder capacity exceeding 50 cc") is neither a line
  // nor a shipment, and as a neighbour it would take the place of a real one and cast a vote the
  // re-ranker never learnt to weigh. What the descriptions teach reaches the ensemble through its
  // members, which all learnt from them.
  const memory = params.memory ? buildMemory(texts, y) : undefined;
  const validProba = members.map((m) => {
    const p = new Float32Array(input.valid.texts.length * C);
    m.predictProba(input.valid.texts, p);
    return p;
  });
  const validSearch = memory ? new MemorySearch(memory, C, memorySettings(params)) : undefined;
  const validExamples = rerankExamples(input.valid.texts, input.valid.y, validProba, validSearch, featuriser);
  const temperature = fitTemperature(validExamples, fit.weights);

  const classifier = new EnsembleClassifier({
    labels: input.labels, params, members, memberArtifacts: served.artifacts, memory, logPrior, weights: fit.weights, temperature,
    fit: {
      rerankIterations: fit.iterations, rerankLoss: round6(fit.loss),
      // With reference rows, what the re-ranker learnt from (traffic only) beside what the members did.
      ...(n < input.texts.length ? { rerankTexts: oof.positive.length, referenceRows: input.texts.length - n } : {}),
      oofCandidateRecall: round6(recall(oof)), oofRerankAccuracy: round6(rerankAccuracy(oof, fit.weights)),
      ...Object.fromEntries(params.members.map((m, i) => [`oofAccuracy.${m}#${i}`, round6(memberHits[i]! / n)])),
    },
  });
  options.onProgress?.({ phase: 'ensemble cost, texts/s on one thread', done: 1, total: 1, info: measureCosts(classifier, input.valid.texts, validProba) });
  return withHeldOutChoices(classifier, ensembleChoices({ weights: fit.weights, temperature, members: served.choices, fit: classifier.parts.fit }));
}

/** The refit: the served members and the memory fitted again on every row, with the first fit's choices. */
async function refitEnsemble(input: TrainInput, options: TrainOptions, params: EnsembleParams, fixed: EnsembleChoices,
  traffic: { texts: readonly string[]; y: Int32Array; logPrior: Float32Array }, stopIfAborted: () => void): Promise<Classifier> {
  // Its caller names the rows in its phases ("refit", "decision fold 2/3"): they are not always all of them.
  const served = await fitServedMembers(input, options, params.members, fixed.members, '', stopIfAborted);
  const classifier = new EnsembleClassifier({
    labels: input.labels, params, members: served.members, memberArtifacts: served.artifacts,
    memory: params.memory ? buildMemory(traffic.texts, traffic.y) : undefined, logPrior: traffic.logPrior,
    weights: fixed.weights, temperature: fixed.temperature, fit: fixed.fit,
  });
  return withHeldOutChoices(classifier, options.fixed!);
}

/**
 * Each member fitted on all of `input`'s rows (with `fixed`: its own held-out choices, taken back),
 * served as loaded from its bytes, so the model trained and the model loaded are one and the same.
 */
async function fitServedMembers(input: TrainInput, options: TrainOptions, names: readonly string[], fixed: readonly HeldOutChoices[] | undefined,
  phase: string, stopIfAborted: () => void): Promise<{ members: Classifier[]; artifacts: Uint8Array[]; choices: HeldOutChoices[] }> {
  const members: Classifier[] = [];
  const artifacts: Uint8Array[] = [];
  const choices: HeldOutChoices[] = [];
  for (const [i, name] of names.entries()) {
    const trained = await fitMember(name, input, options, options.seed, `${phase}${name}`, fixed?.[i]);
    choices.push(trained.heldOutChoices ?? {});
    const bytes = memberBytes(trained, input.labels, { seed: options.seed, trainRows: input.texts.length, validRows: input.valid.texts.length });
    artifacts.push(bytes);
    members.push(loadMember(bytes, `ensemble member ${name}`));
    stopIfAborted();
  }
  return { members, artifacts, choices };
}

export function memorySettings(p: EnsembleParams): { neighbours: number; power: number; postingCap: number } {
  return { neighbours: p.neighbours, power: p.votePower, postingCap: p.postingCap };
}

function hits(proba: Float32Array, y: Int32Array, C: number): number {
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (proba[i * C + c]! > proba[i * C + best]!) best = c;
    if (best === y[i]) n++;
  }
  return n;
}

function concatExamples(parts: readonly RerankExamples[]): RerankExamples {
  const F = parts[0]!.features;
  const texts = parts.reduce((s, p) => s + p.positive.length, 0);
  const rows = parts.reduce((s, p) => s + p.x.length / F, 0);
  const start = new Int32Array(texts + 1);
  const positive = new Int32Array(texts);
  const x = new Float64Array(rows * F);
  let t = 0;
  let r = 0;
  for (const p of parts) {
    x.set(p.x, r * F);
    positive.set(p.positive, t);
    for (let i = 0; i < p.positive.length; i++) start[t + i + 1] = r + p.start[i + 1]!;
    t += p.positive.length;
    r += p.x.length / F;
  }
  return { features: F, start, x, positive };
}

function recall(ex: RerankExamples): number {
  let n = 0;
  for (const p of ex.positive) if (p >= 0) n++;
  return ex.positive.length > 0 ? n / ex.positive.length : 0;
}

function rerankAccuracy(ex: RerankExamples, w: Float64Array): number {
  const F = ex.features;
  let n = 0;
  for (let i = 0; i < ex.positive.length; i++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let r = ex.start[i]!; r < ex.start[i + 1]!; r++) {
      let v = 0;
      for (let j = 0; j < F; j++) v += w[j]! * ex.x[r * F + j]!;
      if (v > bestScore) { bestScore = v; best = r - ex.start[i]!; }
    }
    if (best === ex.positive[i] && best >= 0) n++;
  }
  return ex.positive.length > 0 ? n / ex.positive.length : 0;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
