import { ArtifactError } from '../../core/errors.js';
import type { ArtifactMeta, SectionArray } from '../artifact.js';
import type { ModelKind } from '../classifier.js';
import { loadMember } from './member-bytes.js';
import { EnsembleClassifier } from './model.js';
import { memoryFromSections } from './near-duplicate-memory.js';
import { ENSEMBLE_DEFAULTS, ENSEMBLE_PARAM_HELP, parseEnsembleParams } from './params.js';
import { featureCount } from './rerank-features.js';
import { trainEnsemble } from './train.js';

export { EnsembleClassifier } from './model.js';
export { ENSEMBLE_DEFAULTS, parseEnsembleParams } from './params.js';

export const ensembleKind: ModelKind = {
  name: 'ensemble',
  description: 'stacked members (default linear + fasttext, cross-fitted) re-ranked over their top-k candidates with a near-duplicate memory vote',
  // Its members split text and entity features themselves (linear's third block, fasttext's feature
  // scores); the near-duplicate memory and the re-ranker's text figures read the text part only.
  featureEncoding: 'tokens-v2',
  defaults: ENSEMBLE_DEFAULTS,
  paramHelp: ENSEMBLE_PARAM_HELP,
  // A refit keeps the re-ranker and the members' choices and refits the members and the memory (held-out.ts).
  refits: true,
  train: trainEnsemble,
  load(meta: ArtifactMeta, sections: ReadonlyMap<string, SectionArray>): EnsembleClassifier {
    const broken = (what: string): ArtifactError => new ArtifactError('artifact-bad-ensemble', `ensemble artifact is inconsistent: ${what}`, { kind: 'ensemble' },
      'Retrain the model; the artifact was not written by this version of the ensemble kind.');
    const { temperature, fit: storedFit, ...raw } = meta.params as Record<string, unknown>;
    const fit: Record<string, number> = {};
    for (const [k, v] of Object.entries(typeof storedFit === 'object' && storedFit !== null ? storedFit : {})) if (typeof v === 'number') fit[k] = v;
    const params = parseEnsembleParams(raw);
    if (typeof temperature !== 'number' || !(temperature > 0)) throw broken(`params.temperature is ${JSON.stringify(temperature)}`);
    const members = params.members.map((name, i) => {
      const bytes = sections.get(`member.${i}`);
      if (!(bytes instanceof Uint8Array)) throw broken(`section member.${i} (${name}) is missing`);
      const member = loadMember(bytes, `ensemble member ${i} (${name})`);
      if (member.kind !== name) throw broken(`member ${i} is a ${member.kind} model; params say ${name}`);
      if (member.labels.length !== meta.labels.length || member.labels.some((l, j) => l !== meta.labels[j])) throw broken(`member ${i} has other labels`);
      return { member, bytes };
    });
    const weights = sections.get('rerank.weights');
    const logPrior = sections.get('rerank.logPrior');
    if (!(weights instanceof Float64Array) || weights.length !== featureCount(members.length)) throw broken('rerank.weights is missing or of the wrong length');
    if (!(logPrior instanceof Float32Array) || logPrior.length !== meta.labels.length) throw broken('rerank.logPrior is missing or of the wrong length');
    const memory = params.memory ? memoryFromSections(sections, 'memory.') : undefined;
    return new EnsembleClassifier({
      labels: [...meta.labels], params, members: members.map((m) => m.member), memberArtifacts: members.map((m) => m.bytes),
      memory, logPrior, weights, temperature, fit,
    });
  },
};
