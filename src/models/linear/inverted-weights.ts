/**
 * Class weights inverted by feature: for column f, entries indptr[f]..indptr[f+1] hold the
 * (class, weight) pairs, classes ascending. This is the stored form; for prediction HybridScorer
 * turns the long lists (common char grams carry hundreds of classes) into dense SIMD rows.
 * Its own file: the model and its HybridScorer both need the type, and the model constructs the scorer.
 */
export interface InvertedWeights {
  readonly indptr: Uint32Array;
  readonly classIds: Uint16Array | Int32Array;
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}
