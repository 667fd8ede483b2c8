import { attrString, type OnnxGraphBuilder } from '../onnx/onnx-graph.js';
import { BAG_INPUTS } from '../onnx/token-encoder.js';

/**
 * Adds `out` = the rows of `table` for the ids of `input` ([batch, seq, dim]). In bag mode the graph
 * also takes the BAG_INPUTS, and the weighted n-gram rows of unknown words (whose own id is the
 * bag id, a zero row of the folded table) are added at their (row, position) by ScatterND with
 * reduction add: each such position becomes the mean of its n-grams, as TokenizerSpec.bagMaxN says.
 */
export function gatherEmbedding(g: OnnxGraphBuilder, table: string, input: string, out: string, bag: boolean): void {
  if (!bag) {
    g.node('Gather', [table, input], [out]);
    return;
  }
  g.input(BAG_INPUTS.ids, 'int32', ['bag']);
  g.input(BAG_INPUTS.pos, 'int64', ['bag', 2]);
  g.input(BAG_INPUTS.weight, 'float', ['bag', 1]);
  g.node('Gather', [table, input], [`${out}_words`]);
  g.node('Gather', [table, BAG_INPUTS.ids], [`${out}_bag_rows`]);
  g.node('Mul', [`${out}_bag_rows`, BAG_INPUTS.weight], [`${out}_bag_scaled`]);
  g.node('ScatterND', [`${out}_words`, BAG_INPUTS.pos, `${out}_bag_scaled`], [out], { reduction: attrString('add') });
}
