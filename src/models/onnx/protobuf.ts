/**
 * The few protobuf wire-format pieces needed to write (and read back) ONNX models: varints,
 * length-delimited fields and fixed32 floats. Enough for ModelProto; not a general protobuf library.
 */
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = [];

  private pushVarint(value: bigint | number): void {
    // Negative int64 values take ten bytes in two's complement, as protobuf encodes them.
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes = this.scratch;
    bytes.length = 0;
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.chunks.push(Uint8Array.from(bytes));
  }

  private tag(field: number, wire: number): void {
    this.pushVarint((field << 3) | wire);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.pushVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.chunks.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.pushVarint(value.length);
    this.chunks.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    let total = 0;
    for (const c of this.chunks) total += c.length;
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    this.chunks = [out];
    return out;
  }
}

export interface ProtoField {
  readonly field: number;
  readonly wire: number;
  /** Varint value (as bigint so int64 survives) for wire 0. */
  readonly varint?: bigint;
  /** Payload for length-delimited and fixed fields. */
  readonly bytes?: Uint8Array;
}

/** Splits one message into its top-level fields (unknown fields kept, order preserved). */
export function readFields(buf: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let at = 0;
  const varint = (): bigint => {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      if (at >= buf.length) throw new RangeError('truncated protobuf varint');
      const b = buf[at++]!;
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
      shift += 7n;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === WIRE_VARINT) out.push({ field, wire, varint: varint() });
    else if (wire === WIRE_BYTES) {
      const n = Number(varint());
      if (at + n > buf.length) throw new RangeError('truncated protobuf field');
      out.push({ field, wire, bytes: buf.subarray(at, at + n) });
      at += n;
    } else if (wire === WIRE_FIXED32 || wire === WIRE_FIXED64) {
      const n = wire === WIRE_FIXED32 ? 4 : 8;
      out.push({ field, wire, bytes: buf.subarray(at, at + n) });
      at += n;
    } else {
      throw new RangeError(`unsupported protobuf wire type ${wire}`);
    }
  }
  return out;
}
