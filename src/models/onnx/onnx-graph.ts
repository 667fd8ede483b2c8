import { ArtifactError } from '../../core/errors.js';
import { ProtoWriter, readFields } from './protobuf.js';

/**
 * A minimal writer for the ONNX graphs the deep model kinds export (ModelProto field numbers from
 * onnx/onnx.proto), and a reader for their float initialisers, so a loaded artifact can run the
 * same weights in TypeScript without storing them twice.
 */
export type OnnxElemType = 'float' | 'int32' | 'int64' | 'bool';
const ELEM_CODE: Readonly<Record<OnnxElemType, number>> = { float: 1, int32: 6, int64: 7, bool: 9 };

export type OnnxAttr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };
export const attrInt = (value: number): OnnxAttr => ({ kind: 'int', value });
export const attrInts = (value: readonly number[]): OnnxAttr => ({ kind: 'ints', value });
export const attrFloat = (value: number): OnnxAttr => ({ kind: 'float', value });
export const attrString = (value: string): OnnxAttr => ({ kind: 'string', value });

type Dim = number | string;

export class OnnxGraphBuilder {
  private readonly graph = new ProtoWriter();
  private readonly inputs: ProtoWriter[] = [];
  private readonly outputs: ProtoWriter[] = [];
  private nodeCount = 0;

  constructor(private readonly name: string) {}

  input(name: string, type: OnnxElemType, dims: readonly Dim[]): this {
    this.inputs.push(valueInfo(name, type, dims));
    return this;
  }

  output(name: string, type: OnnxElemType, dims: readonly Dim[]): this {
    this.outputs.push(valueInfo(name, type, dims));
    return this;
  }

  initializer(name: string, dims: readonly number[], data: Float32Array | Int32Array | BigInt64Array): this {
    const t = new ProtoWriter();
    for (const d of dims) t.int(1, d);
    t.int(2, data instanceof Float32Array ? ELEM_CODE.float : data instanceof Int32Array ? ELEM_CODE.int32 : ELEM_CODE.int64);
    t.string(8, name);
    // raw_data is little-endian; copy so the tensor owns exactly its bytes.
    t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
    this.graph.message(5, t);
    return this;
  }

  node(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Readonly<Record<string, OnnxAttr>> = {}): this {
    const n = new ProtoWriter();
    for (const i of inputs) n.string(1, i);
    for (const o of outputs) n.string(2, o);
    n.string(3, `${op}_${this.nodeCount++}`);
    n.string(4, op);
    for (const [key, a] of Object.entries(attrs)) {
      const w = new ProtoWriter().string(1, key);
      if (a.kind === 'int') w.int(3, a.value).int(20, 2);
      else if (a.kind === 'float') w.float(2, a.value).int(20, 1);
      else if (a.kind === 'string') w.string(4, a.value).int(20, 3);
      else { for (const v of a.value) w.int(8, v); w.int(20, 7); }
      n.message(5, w);
    }
    this.graph.message(1, n);
    return this;
  }

  /** The serialised ModelProto (IR version 8, default-domain opset `opset`). */
  toModel(options: { readonly opset: number; readonly producer: string; readonly metadata?: Readonly<Record<string, string>> }): Uint8Array {
    this.graph.string(2, this.name);
    for (const i of this.inputs) this.graph.message(11, i);
    for (const o of this.outputs) this.graph.message(12, o);
    const model = new ProtoWriter().int(1, 8).string(2, options.producer).string(3, '1');
    model.message(7, this.graph);
    model.message(8, new ProtoWriter().string(1, '').int(2, options.opset));
    for (const [k, v] of Object.entries(options.metadata ?? {})) model.message(14, new ProtoWriter().string(1, k).string(2, v));
    return model.finish();
  }
}

function valueInfo(name: string, type: OnnxElemType, dims: readonly Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensor = new ProtoWriter().int(1, ELEM_CODE[type]).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
}

export interface OnnxFloatTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** The float initialisers (raw_data or float_data) of a model, by name. */
export function readFloatInitializers(model: Uint8Array): Map<string, OnnxFloatTensor> {
  const out = new Map<string, OnnxFloatTensor>();
  const graph = readFields(model).find((f) => f.field === 7)?.bytes;
  if (!graph) return out;
  for (const f of readFields(graph)) {
    if (f.field !== 5 || !f.bytes) continue;
    const dims: number[] = [];
    let name = '';
    let type = 0;
    let raw: Uint8Array | undefined;
    for (const t of readFields(f.bytes)) {
      if (t.field === 1 && t.varint !== undefined) dims.push(Number(t.varint));
      else if (t.field === 2 && t.varint !== undefined) type = Number(t.varint);
      else if (t.field === 8 && t.bytes) name = new TextDecoder().decode(t.bytes);
      else if (t.field === 9 && t.bytes) raw = t.bytes;
    }
    if (type !== ELEM_CODE.float || !raw) continue;
    const data = new Float32Array(raw.length / 4);
    new Uint8Array(data.buffer).set(raw);
    out.set(name, { dims, data });
  }
  return out;
}

/** A deep kind's exported weights, read back by initialiser name with their size checked. */
export interface InitializerReader {
  has(name: string): boolean;
  /** The initialiser's floats; an ArtifactError naming the kind and initialiser when it is missing or of another size. */
  get(name: string, length: number): Float32Array;
}

export function initializerReader(model: Uint8Array, kind: string): InitializerReader {
  const t = readFloatInitializers(model);
  return {
    has: (name) => t.has(name),
    get(name, length) {
      const v = t.get(name);
      if (!v || v.data.length !== length) {
        throw new ArtifactError('artifact-bad-section', `${kind} ONNX graph lacks initialiser ${name} of ${length} floats`, { kind, initializer: name });
      }
      return v.data;
    },
  };
}
