/**
 * A fixed set of 32-bit token hashes answering `has` in a probe or two: the streamed drift summary
 * asks it for every token of the window (eight million lookups for a million short texts), where a
 * binary search of the sorted vocabulary (hasHash, which stores smaller) takes fifteen steps each.
 * Open addressing with linear probing from the top bits of hash x 2^32/phi (as token buckets are
 * cut, token-buckets.ts), at most a quarter full; 0 marks an empty slot, so whether 0 is a member
 * is kept apart.
 */
export class HashSet32 {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly hasZero: boolean;

  constructor(members: ArrayLike<number>) {
    let bits = 4;
    while (1 << bits < members.length * 4) bits++;
    this.slots = new Uint32Array(1 << bits);
    this.mask = (1 << bits) - 1;
    this.shift = 32 - bits;
    let zero = false;
    for (let i = 0; i < members.length; i++) {
      const h = members[i]! >>> 0;
      if (h === 0) { zero = true; continue; }
      let s = Math.imul(h, 0x9e3779b1) >>> this.shift;
      while (this.slots[s] !== 0 && this.slots[s] !== h) s = (s + 1) & this.mask;
      this.slots[s] = h;
    }
    this.hasZero = zero;
  }

  has(value: number): boolean {
    const h = value >>> 0;
    if (h === 0) return this.hasZero;
    let s = Math.imul(h, 0x9e3779b1) >>> this.shift;
    for (;;) {
      const v = this.slots[s]!;
      if (v === h) return true;
      if (v === 0) return false;
      s = (s + 1) & this.mask;
    }
  }
}
