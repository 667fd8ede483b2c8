import type { Verb } from './context.js';

/** Every verb, loaded on demand so `lading --help` stays fast. One file per verb. */
export const VERBS: Readonly<Record<string, () => Promise<{ verb: Verb }>>> = {
  demo: () => import('./demo.js'),
  data: () => import('./data.js'),
  train: () => import('./train.js'),
  eval: () => import('./eval.js'),
  predict: () => import('./predict.js'),
  'import-onnx': () => import('./import-onnx.js'),
  models: () => import('./models.js'),
  gc: () => import('./gc.js'),
  serve: () => import('./serve.js'),
  stream: () => import('./stream.js'),
  deploy: () => import('./deploy.js'),
  config: () => import('./config.js'),
  monitor: () => import('./monitor.js'),
  log: () => import('./log.js'),
  feedback: () => import('./feedback.js'),
  review: () => import('./review.js'),
  pipeline: () => import('./pipeline.js'),
  controller: () => import('./controller.js'),
  experiment: () => import('./experiment.js'),
  features: () => import('./features.js'),
  taxonomy: () => import('./taxonomy.js'),
  ui: () => import('./ui.js'),
};

/** The first line of `lading --help`; every word in its list is a verb (a test holds it to that). */
export const TAGLINE = 'lading: data, train, serve and deploy short-text classifiers';

export async function topLevelHelp(): Promise<string> {
  const lines = [TAGLINE, '', 'Usage: lading <verb> [options]   (lading <verb> --help for more)', '', 'Verbs:'];
  for (const [verb, load] of Object.entries(VERBS)) lines.push(`  ${verb.padEnd(12)} ${(await load()).verb.summary}`);
  lines.push('', 'Settings: flags, then LADING_* environment variables, then ./lading.yaml; `lading config show` prints them.');
  return lines.join('\n');
}
