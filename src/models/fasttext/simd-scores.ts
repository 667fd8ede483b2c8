/**
 * The output layer as a WebAssembly SIMD kernel: scores[0..cp) = Σ_j hidden[j] × output[j][0..cp),
 * four lanes (classes) and four rows (dimensions) per step. Measured on Node 20 it is several times
 * faster than the best plain-JS loop (JS has no SIMD and V8 does not vectorise), and the output layer
 * is most of the cost of a prediction. Plain IEEE f32 multiply and add (no fused ops), so results
 * are the same on every machine.
 *
 * Layout inside the memory (byte addresses given by the caller): output is dimPadded × classesPadded
 * f32 (rows padded with zeros), hidden dimPadded f32, scores classesPadded f32. dimPadded and
 * classesPadded are multiples of 4, both at least 4.
 *
 * The module is assembled here byte by byte (it is 150 bytes; no toolchain needed at build time).
 */
import { leb, name, roundUp4, section, Wasm, type WasmMemory } from '../simd/wasm-bytes.js';

export interface ScoresKernel {
  readonly memory: WasmMemory;
  scores(outputAt: number, hiddenAt: number, scoresAt: number, dimPadded: number, classesPadded: number): void;
}

const I32 = 0x7f;
const V128 = 0x7b;

// Opcodes.
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22, I32_CONST = 0x41;
const I32_ADD = 0x6a, I32_MUL = 0x6c, I32_SHL = 0x74, I32_LT_U = 0x49;
const LOOP = 0x03, END = 0x0b, BR_IF = 0x0d, VOID = 0x40, F32_LOAD = 0x2a;
const V128_LOAD = [0xfd, 0x00, 4, 0], V128_STORE = [0xfd, 0x0b, 4, 0];
const F32X4_SPLAT = [0xfd, 0x13], F32X4_ADD = [0xfd, 0xe4, 0x01], F32X4_MUL = [0xfd, 0xe6, 0x01];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];

// Params 0..4: output, hidden, scores, dimPadded, classesPadded (bytes / counts).
// Locals: 5 c, 6 end, 7 j, 8 r, 9 stride, 10 stride2, 11 stride3, 12..15 h0..h3.
const [W, H, OUT, DIM, CP, C, END_, J, R, S1, S2, S3, H0] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] as const;

function body(): number[] {
  const get = (i: number) => [LOCAL_GET, i];
  const code: number[] = [
    ...get(CP), I32_CONST, 2, I32_SHL, LOCAL_SET, S1,
    ...get(S1), I32_CONST, 1, I32_SHL, LOCAL_SET, S2,
    ...get(S2), ...get(S1), I32_ADD, LOCAL_SET, S3,
    ...get(OUT), ...get(S1), I32_ADD, LOCAL_SET, END_,
    ...get(OUT), LOCAL_SET, C,
    LOOP, VOID,
    ...get(C), ...V128_ZERO, ...V128_STORE,
    ...get(C), I32_CONST, 16, I32_ADD, LOCAL_TEE, C, ...get(END_), I32_LT_U, BR_IF, 0,
    END,
    I32_CONST, 0, LOCAL_SET, J,
    LOOP, VOID,
    ...get(H), ...get(J), I32_CONST, 2, I32_SHL, I32_ADD, LOCAL_SET, R,
  ];
  for (let k = 0; k < 4; k++) code.push(...get(R), F32_LOAD, 2, 4 * k, ...F32X4_SPLAT, LOCAL_SET, H0 + k);
  code.push(
    ...get(W), ...get(J), ...get(S1), I32_MUL, I32_ADD, LOCAL_SET, R,
    ...get(OUT), LOCAL_SET, C,
    LOOP, VOID,
    ...get(C),
    ...get(C), ...V128_LOAD,
    ...get(R), ...V128_LOAD, ...get(H0), ...F32X4_MUL,
    ...get(R), ...get(S1), I32_ADD, ...V128_LOAD, ...get(H0 + 1), ...F32X4_MUL,
    ...F32X4_ADD,
    ...get(R), ...get(S2), I32_ADD, ...V128_LOAD, ...get(H0 + 2), ...F32X4_MUL,
    ...get(R), ...get(S3), I32_ADD, ...V128_LOAD, ...get(H0 + 3), ...F32X4_MUL,
    ...F32X4_ADD,
    ...F32X4_ADD,
    ...F32X4_ADD,
    ...V128_STORE,
    ...get(R), I32_CONST, 16, I32_ADD, LOCAL_SET, R,
    ...get(C), I32_CONST, 16, I32_ADD, LOCAL_TEE, C, ...get(END_), I32_LT_U, BR_IF, 0,
    END,
    ...get(J), I32_CONST, 4, I32_ADD, LOCAL_TEE, J, ...get(DIM), I32_LT_U, BR_IF, 0,
    END,
    END,
  );
  const locals = [2, 7, I32, 4, V128];
  return [...leb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(pages: number, shared: boolean): Uint8Array {
  const limits = shared ? [0x03, ...leb(pages), ...leb(pages)] : [0x00, ...leb(pages)];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('scores'), 0x00, 0]),
    ...section(10, [1, ...body()]),
  ]);
}

let compiled: object | undefined;
let compiledShared: object | undefined;
let sharedPages = 0;

/**
 * A kernel over `memory` (or a new memory of `bytes`). A shared memory (several threads' views of
 * the same parameters) must be created with initial = maximum pages.
 */
export function scoresKernel(bytes: number, memory?: WasmMemory): ScoresKernel {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const shared = memory !== undefined && memory.buffer instanceof SharedArrayBuffer;
  const mem = memory ?? new Wasm.Memory({ initial: pages });
  const memPages = mem.buffer.byteLength / 65536;
  // Import limits must match the memory: compile per size (cheap; cached for the common case).
  let mod: object;
  if (shared) {
    mod = compiledShared !== undefined && sharedPages === memPages ? compiledShared : (compiledShared = new Wasm.Module(moduleBytes(memPages, true)));
    sharedPages = memPages;
  } else {
    mod = compiled ??= new Wasm.Module(moduleBytes(1, false));
  }
  const instance = new Wasm.Instance(mod, { env: { memory: mem } });
  const fn = instance.exports['scores'] as (w: number, h: number, o: number, d: number, c: number) => void;
  return { memory: mem, scores: fn };
}

/** A memory every thread can use (its buffer is a SharedArrayBuffer), of at least `bytes`. */
export function sharedWasmMemory(bytes: number): WasmMemory {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  return new Wasm.Memory({ initial: pages, maximum: pages, shared: true });
}
