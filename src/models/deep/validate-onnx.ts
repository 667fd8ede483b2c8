import type { OnnxClassifier } from '../onnx/onnx-classifier.js';

/** Accuracy of an exported model on the validation split through onnxruntime (fast; NaN when there is none). */
export async function onnxAccuracy(model: OnnxClassifier, texts: readonly string[], y: Int32Array): Promise<number> {
  if (texts.length === 0) return NaN;
  const classes = model.labels.length;
  const proba = new Float32Array(texts.length * classes);
  await model.predictProbaAsync(texts, proba);
  let right = 0;
  for (let i = 0; i < texts.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (proba[i * classes + c]! > proba[i * classes + best]!) best = c;
    if (best === y[i]) right++;
  }
  return right / texts.length;
}
