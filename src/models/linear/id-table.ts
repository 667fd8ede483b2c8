/**
 * Open-addressing hash table from a 32-bit feature id to a non-negative int32 (a column, a count),
 * on one interleaved Int32Array [key, value+1, key, value+1, ...] so a lookup touches one cache
 * line. Value slot 0 marks an empty slot, so every key (including 0) is storable. Ids come out of
 * a 32-bit mixer already, so the low bits index the table directly.
 */
export class IdTable {
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for id, or -1. */
  get(id: number): number {
    const slots = this.slots;
    const key = id | 0;
    let i = key & this.mask;
    for (;;) {
      const v = slots[2 * i + 1]!;
      if (v === 0) return -1;
      if (slots[2 * i] === key) return v - 1;
      i = (i + 1) & this.mask;
    }
  }

  /** Sets id to value (>= 0), growing the table when it gets half full. */
  set(id: number, value: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const slots = this.slots;
    const key = id | 0;
    let i = key & this.mask;
    for (;;) {
      const v = slots[2 * i + 1]!;
      if (v === 0) {
        slots[2 * i] = key; slots[2 * i + 1] = value + 1; this.count++;
        return;
      }
      if (slots[2 * i] === key) { slots[2 * i + 1] = value + 1; return; }
      i = (i + 1) & this.mask;
    }
  }

  /** Adds delta to id's value (absent counts as 0) and returns the new value. */
  add(id: number, delta: number): number {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const slots = this.slots;
    const key = id | 0;
    let i = key & this.mask;
    for (;;) {
      const v = slots[2 * i + 1]!;
      if (v === 0) {
        slots[2 * i] = key; slots[2 * i + 1] = delta + 1; this.count++;
        return delta;
      }
      if (slots[2 * i] === key) { slots[2 * i + 1] = v + delta; return v - 1 + delta; }
      i = (i + 1) & this.mask;
    }
  }

  /** Calls fn(id, value) for every entry, in slot order (not sorted). */
  forEach(fn: (id: number, value: number) => void): void {
    const slots = this.slots;
    for (let i = 0; i <= this.mask; i++) {
      const v = slots[2 * i + 1]!;
      if (v !== 0) fn(slots[2 * i]! >>> 0, v - 1);
    }
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < old.length; i += 2) {
      const v = old[i + 1]!;
      if (v !== 0) this.set(old[i]!, v - 1);
    }
  }
}
