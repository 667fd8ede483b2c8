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
  deploy: () => import('./deploy.js'),
};
