/**
 * scores[0..cp) += Σ_j vals[j] × weights[rows[j]][0..cp) as a WebAssembly SIMD kernel: four rows
 * per pass over the scores, four lanes (classes) per step. JS has no SIMD and V8 does not
 * vectorise, so a gathered dense axpy in plain JS is several times slower. Plain IEEE f32 multiply
 * and add (no fused ops), so results are the same on every machine.
 *
 * Layout inside the memory (byte addresses given by the caller): weights is rows × classesPadded
 * f32; rows (i32 row numbers) and vals (f32) hold n entries, n a positive multiple of 4 (pad with
 * value 0 and any valid row); scores classesPadded f32. classesPadded is a multiple of 4, at least 4.
 *
 * The module is assembled here byte by byte (no toolchain needed at build time).
 */
import { leb, name, roundUp4, section, Wasm, type WasmMemory } from './wasm-bytes.js';

export interface AxpyRowsKernel {
  readonly memory: WasmMemory;
  axpyRows(weightsAt: number, rowsAt: number, valsAt: number, n: number, scoresAt: number, classesPadded: number): void;
  /**
   * In place over n f32 (n a multiple of 4): v = exp(t × (v - max)) for v <= max, returning the
   * sum. Range reduction by ln2 and a degree-7 polynomial in f32 (relative error ~1e-7); results
   * below e^-87.7 are 0, so padding lanes set very negative add nothing.
   */
  expShifted(at: number, n: number, max: number, t: number): number;
}

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

// Opcodes.
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22, I32_CONST = 0x41;
const I32_ADD = 0x6a, I32_MUL = 0x6c, I32_SHL = 0x74, I32_LT_U = 0x49;
const LOOP = 0x03, END = 0x0b, BR_IF = 0x0d, VOID = 0x40, I32_LOAD = 0x28, F32_LOAD = 0x2a;
const V128_LOAD = [0xfd, 0x00, 4, 0], V128_STORE = [0xfd, 0x0b, 4, 0];
const F32X4_SPLAT = [0xfd, 0x13], F32X4_ADD = [0xfd, 0xe4, 0x01], F32X4_MUL = [0xfd, 0xe6, 0x01];

// Params 0..5: weights, rows, vals, n, scores, classesPadded.
// Locals: 6 stride, 7 end, 8 j, 9 jEnd, 10 c, 11..14 r0..r3 (i32); 15..18 h0..h3 (v128).
const [W, ROWS, VALS, N, OUT, CP, S1, END_, J, JEND, C, R0, H0] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15] as const;

function body(): number[] {
  const get = (i: number): number[] => [LOCAL_GET, i];
  const code: number[] = [
    ...get(CP), I32_CONST, 2, I32_SHL, LOCAL_SET, S1,
    ...get(OUT), ...get(S1), I32_ADD, LOCAL_SET, END_,
    ...get(N), I32_CONST, 2, I32_SHL, LOCAL_SET, JEND,
    I32_CONST, 0, LOCAL_SET, J,
    LOOP, VOID,
  ];
  for (let k = 0; k < 4; k++) {
    code.push(...get(W), ...get(ROWS), ...get(J), I32_ADD, I32_LOAD, 2, 4 * k, ...get(S1), I32_MUL, I32_ADD, LOCAL_SET, R0 + k);
    code.push(...get(VALS), ...get(J), I32_ADD, F32_LOAD, 2, 4 * k, ...F32X4_SPLAT, LOCAL_SET, H0 + k);
  }
  code.push(
    ...get(OUT), LOCAL_SET, C,
    LOOP, VOID,
    ...get(C),
    ...get(C), ...V128_LOAD,
    ...get(R0), ...V128_LOAD, ...get(H0), ...F32X4_MUL,
    ...get(R0 + 1), ...V128_LOAD, ...get(H0 + 1), ...F32X4_MUL,
    ...F32X4_ADD,
    ...get(R0 + 2), ...V128_LOAD, ...get(H0 + 2), ...F32X4_MUL,
    ...get(R0 + 3), ...V128_LOAD, ...get(H0 + 3), ...F32X4_MUL,
    ...F32X4_ADD,
    ...F32X4_ADD,
    ...F32X4_ADD,
    ...V128_STORE,
  );
  for (let k = 0; k < 4; k++) code.push(...get(R0 + k), I32_CONST, 16, I32_ADD, LOCAL_SET, R0 + k);
  code.push(
    ...get(C), I32_CONST, 16, I32_ADD, LOCAL_TEE, C, ...get(END_), I32_LT_U, BR_IF, 0,
    END,
    ...get(J), I32_CONST, 16, I32_ADD, LOCAL_TEE, J, ...get(JEND), I32_LT_U, BR_IF, 0,
    END,
    END,
  );
  const locals = [2, 9, I32, 4, V128];
  return [...leb(locals.length + code.length), ...locals, ...code];
}

const f32x4Const = (v: number): number[] => {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeFloatLE(v, 4 * i);
  return [0xfd, 0x0c, ...b];
};
const i32x4Const = (v: number): number[] => {
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeInt32LE(v, 4 * i);
  return [0xfd, 0x0c, ...b];
};
const F32X4_SUB = [0xfd, 0xe5, 0x01], F32X4_MAX = [0xfd, 0xe9, 0x01], F32X4_NEAREST = [0xfd, 0x6a];
const I32X4_TRUNC_SAT_F32X4_S = [0xfd, 0xf8, 0x01], I32X4_ADD = [0xfd, 0xae, 0x01], I32X4_SHL = [0xfd, 0xab, 0x01];
const F32X4_EXTRACT = (lane: number): number[] => [0xfd, 0x1f, lane];
const F32_ADD = 0x92;

// Params 0..3: at, n, max, t. Locals: 4 end (i32); 5 vmax, 6 vt, 7 x, 8 k, 9 p, 10 sum (v128).
function expBody(): number[] {
  const get = (i: number): number[] => [LOCAL_GET, i];
  const [AT, N_, MAX, T, E, VMAX, VT, X, K, P, SUM] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const code: number[] = [
    ...get(AT), ...get(N_), I32_CONST, 2, I32_SHL, I32_ADD, LOCAL_SET, E,
    ...get(MAX), ...F32X4_SPLAT, LOCAL_SET, VMAX,
    ...get(T), ...F32X4_SPLAT, LOCAL_SET, VT,
    ...f32x4Const(0), LOCAL_SET, SUM,
    LOOP, VOID,
    ...get(AT), ...V128_LOAD, ...get(VMAX), ...F32X4_SUB, ...get(VT), ...F32X4_MUL, ...f32x4Const(-88), ...F32X4_MAX, LOCAL_SET, X,
    ...get(X), ...f32x4Const(Math.LOG2E), ...F32X4_MUL, ...F32X4_NEAREST, LOCAL_SET, K,
    // r = x - k·C1 - k·C2 (Cody-Waite split of ln 2), kept in X.
    ...get(X), ...get(K), ...f32x4Const(0.693359375), ...F32X4_MUL, ...F32X4_SUB,
    ...get(K), ...f32x4Const(-2.12194440e-4), ...F32X4_MUL, ...F32X4_SUB, LOCAL_SET, X,
    ...f32x4Const(1 / 5040), LOCAL_SET, P,
  ];
  for (const c of [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1]) {
    code.push(...get(P), ...get(X), ...F32X4_MUL, ...f32x4Const(c), ...F32X4_ADD, LOCAL_SET, P);
  }
  code.push(
    ...get(AT),
    ...get(P),
    ...get(K), ...I32X4_TRUNC_SAT_F32X4_S, ...i32x4Const(127), ...I32X4_ADD, I32_CONST, 23, ...I32X4_SHL,
    ...F32X4_MUL, LOCAL_SET, P,
    ...get(P), ...V128_STORE,
    ...get(SUM), ...get(P), ...F32X4_ADD, LOCAL_SET, SUM,
    ...get(AT), I32_CONST, 16, I32_ADD, LOCAL_TEE, AT, ...get(E), I32_LT_U, BR_IF, 0,
    END,
    ...get(SUM), ...F32X4_EXTRACT(0), ...get(SUM), ...F32X4_EXTRACT(1), F32_ADD,
    ...get(SUM), ...F32X4_EXTRACT(2), ...get(SUM), ...F32X4_EXTRACT(3), F32_ADD, F32_ADD,
    END,
  );
  const locals = [2, 1, I32, 6, V128];
  return [...leb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(): Uint8Array {
  const b1 = body();
  const b2 = expBody();
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, 6, I32, I32, I32, I32, I32, I32, 0, 0x60, 4, I32, I32, F32, F32, 1, F32]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name('axpyRows'), 0x00, 0, ...name('expShifted'), 0x00, 1]),
    ...section(10, [2, ...b1, ...b2]),
  ]);
}

let compiled: object | undefined;

/** A kernel over a new (unshared) memory of at least `bytes`. */
export function axpyRowsKernel(bytes: number): AxpyRowsKernel {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory = new Wasm.Memory({ initial: pages });
  compiled ??= new Wasm.Module(moduleBytes());
  const instance = new Wasm.Instance(compiled, { env: { memory } });
  const fn = instance.exports['axpyRows'] as AxpyRowsKernel['axpyRows'];
  const exp = instance.exports['expShifted'] as AxpyRowsKernel['expShifted'];
  return { memory, axpyRows: fn, expShifted: exp };
}
