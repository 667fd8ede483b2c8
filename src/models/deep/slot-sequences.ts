import type { BagEntries, SlotSink, TokenEncoder } from '../onnx/token-encoder.js';
import type { IdSequences } from './id-batch.js';

/**
 * Texts as positions, and each position as the embedding rows ("slots") it averages: text i has
 * positions starts[i] .. starts[i] + lengths[i], and position q the rows
 * slots[posStart[q] .. posStart[q + 1]). A plain id sequence is the case of one slot per position;
 * bag mode (a word and its character n-grams) is the general one.
 */
export interface SlotSequences {
  readonly slots: Int32Array;
  readonly posStart: Int32Array;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
}

/** One slot per id: position q of the id array is the row ids[q]. */
export function slotsOfIds(seq: IdSequences): SlotSequences {
  const posStart = new Int32Array(seq.ids.length + 1);
  for (let q = 0; q <= seq.ids.length; q++) posStart[q] = q;
  return { slots: seq.ids, posStart, starts: seq.starts, lengths: seq.lengths };
}

/** Growable CSR builder fed by TokenEncoder.encodeSlots. */
class SlotBuilder implements SlotSink {
  slots = new Int32Array(1 << 16);
  posStart = new Int32Array(1 << 14);
  slotCount = 0;
  positions = 0;

  slot(id: number): void {
    if (this.slotCount === this.slots.length) this.slots = grow(this.slots);
    this.slots[this.slotCount++] = id;
  }

  endPosition(): void {
    if (this.positions + 2 > this.posStart.length) this.posStart = grow(this.posStart);
    this.posStart[++this.positions] = this.slotCount;
  }
}

/** Bag mode, training view: every text once (a known word averages its own row and its n-grams). */
export function encodeSlotTexts(encoder: TokenEncoder, texts: readonly string[]): SlotSequences {
  const b = new SlotBuilder();
  const starts = new Int32Array(texts.length);
  const lengths = new Int32Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    starts[i] = b.positions;
    lengths[i] = encoder.encodeSlots(texts[i]!, b);
  }
  return { slots: b.slots.slice(0, b.slotCount), posStart: b.posStart.slice(0, b.positions + 1), starts, lengths };
}

/**
 * Inference view of a right-padded [rows, width] id matrix: a position is a non-pad id, one slot,
 * except `bagId` positions, which average the n-gram rows `bag` holds for them (row = matrix row).
 * This is what the exported graph computes with its bag inputs.
 */
export function slotsOfBatch(ids: Int32Array, rows: number, width: number, padId: number, bagId: number, bag: BagEntries | undefined): SlotSequences {
  const starts = new Int32Array(rows);
  const lengths = new Int32Array(rows);
  const slots = new Int32Array(rows * width + (bag?.count ?? 0));
  const posStart = new Int32Array(rows * width + 1);
  let q = 0;
  let s = 0;
  let e = 0;
  for (let r = 0; r < rows; r++) {
    starts[r] = q;
    let n = 0;
    for (let t = 0; t < width; t++) {
      const id = ids[r * width + t]!;
      if (id === padId) continue;
      posStart[q] = s;
      if (id === bagId && bag) {
        while (e < bag.count && (bag.rows[e]! < r || (bag.rows[e] === r && bag.positions[e]! < t))) e++;
        const first = e;
        while (e < bag.count && bag.rows[e] === r && bag.positions[e] === t) slots[s++] = bag.ids[e++]!;
        if (e === first) slots[s++] = id;
      } else {
        slots[s++] = id;
      }
      q++;
      n++;
    }
    lengths[r] = n;
  }
  posStart[q] = s;
  return { slots, posStart, starts, lengths };
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
