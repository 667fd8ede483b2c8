import type { TrainInput, TrainOptions } from '../classifier.js';
import { trainSingleThread } from '../deep/train-single-thread.js';
import type { OnnxClassifier } from '../onnx/onnx-classifier.js';
import { DNN } from './model.js';

/** Trains the DNN on one thread (it is cheap); same loop, early stopping and checkpoint as the Text-CNN. */
export function trainDnn(input: TrainInput, options: TrainOptions): Promise<OnnxClassifier> {
  return trainSingleThread(DNN, input, options);
}
