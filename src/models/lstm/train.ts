import type { TrainInput, TrainOptions } from '../classifier.js';
import { trainSingleThread } from '../deep/train-single-thread.js';
import type { OnnxClassifier } from '../onnx/onnx-classifier.js';
import { LSTM } from './model.js';

/** Trains the LSTM on one thread; same loop, early stopping and checkpoint as the Text-CNN. */
export function trainLstm(input: TrainInput, options: TrainOptions): Promise<OnnxClassifier> {
  return trainSingleThread(LSTM, input, options);
}
