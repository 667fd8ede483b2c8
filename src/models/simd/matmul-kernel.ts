/**
 * The dense products of the deep models as WebAssembly SIMD (f32x4) kernels. JS has no SIMD and V8
 * does not vectorise, so the best plain-JS loop (deep/matmul.ts) reaches ~2 GMAC/s per core; these
 * reach ~22-25 (bench/kernels.ts). Plain IEEE f32 multiply and add (no relaxed or fused ops), so
 * results are the same on every machine, and every output element is summed in one fixed order
 * whatever block computes it, so a row's result does not depend on how many rows come with it (the
 * Text-CNN's 1- and 2-thread artifacts stay byte-identical).
 *
 * dotRows(a, aStride, rows, w, kBytes, colsPadded, bias, out):
 *   out[r][c] = bias[c] + Σ_k a[r][k] · w[c][k], rows of a at byte stride aStride (any; rows may
 *   overlap), rows of w at byte stride kBytes (a multiple of 16, the padding zeros), bias colsPadded
 *   f32, out rows × colsPadded f32, colsPadded a multiple of DOT_COLS. Vectorised over k: lane l of
 *   an accumulator sums k ≡ l (mod 4) in order, the lanes end as (l0 + l2) + (l1 + l3), then + bias.
 * atb(a, 4, aSumStep, b, bStride, steps, mPadded, nPadded, out) and ab(a, aRowStep, aSumStep, ...):
 *   out[i][j] += Σ_s a[i·aRowStep + s·aSumStep] · b[s][j] (byte steps), the sum over s < steps in
 *   order, then added to out; rows of b at byte stride bStride, out mPadded × nPadded f32, mPadded a
 *   multiple of ATB_ROWS, nPadded a multiple of 4. Vectorised over j, so no lane reduction. Aᵀ·B is
 *   atb (a's rows are the steps: aSumStep = 4m), A·B is ab (aRowStep = 4m, aSumStep = 4).
 *
 * The module is assembled here byte by byte (no toolchain needed at build time).
 */
import { leb, name, section, Wasm, type WasmMemory } from './wasm-bytes.js';

/** Columns of w per dotRows block: callers pad w to a multiple of this many rows. */
export const DOT_COLS = 4;
/** Rows of the atb and ab output per block: callers pad the output to a multiple of this many rows. */
export const ATB_ROWS = 4;

export interface MatmulKernel {
  readonly memory: WasmMemory & { grow(pages: number): number };
  dotRows(a: number, aStride: number, rows: number, w: number, kBytes: number, colsPadded: number, bias: number, out: number): void;
  atb(a: number, aRowStep: 4, aSumStep: number, b: number, bStride: number, steps: number, mPadded: number, nPadded: number, out: number): void;
  ab(a: number, aRowStep: number, aSumStep: number, b: number, bStride: number, steps: number, mPadded: number, nPadded: number, out: number): void;
}

const I32 = 0x7f;
const V128 = 0x7b;

// Opcodes.
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, I32_CONST = 0x41;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_REM_U = 0x70, I32_SHL = 0x74, I32_LT_U = 0x49, I32_GE_U = 0x4f;
const BLOCK = 0x02, LOOP = 0x03, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, VOID = 0x40;
const memarg = (offset: number): number[] => [0, ...leb(offset)];
const V128_LOAD = (offset = 0): number[] => [0xfd, 0x00, ...memarg(offset)];
const V128_LOAD32_SPLAT = (offset = 0): number[] => [0xfd, 0x09, ...memarg(offset)];
const V128_STORE = (offset = 0): number[] => [0xfd, 0x0b, ...memarg(offset)];
const F32X4_ADD = [0xfd, 0xe4, 0x01], F32X4_MUL = [0xfd, 0xe6, 0x01];
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
/** i8x16.shuffle picking f32 lanes (0..3 from the first operand, 4..7 from the second). */
const SHUFFLE = (lanes: number[]): number[] => [0xfd, 0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];

const get = (i: number): number[] => [LOCAL_GET, ...leb(i)];
const set = (i: number): number[] => [LOCAL_SET, ...leb(i)];
/** Small non-negative i32 constants only (signed LEB128 of 0..63 is one byte). */
const i32 = (v: number): number[] => {
  if (v < 0 || v > 63) throw new RangeError(`i32 constant ${v} out of the one-byte range`);
  return [I32_CONST, v];
};
/** local = local + step. */
const bump = (local: number, step: number[]): number[] => [...get(local), ...step, I32_ADD, ...set(local)];

/** `for (; i < end; i += step) body` with the test first (runs zero times when i >= end). */
function forLoop(i: number, end: number, step: number[], body: number[]): number[] {
  return [
    BLOCK, VOID, LOOP, VOID,
    ...get(i), ...get(end), I32_GE_U, BR_IF, 1,
    ...body,
    ...bump(i, step),
    BR, 0, END, END,
  ];
}

/** A function's locals: count i32 then count v128, numbered after its params. */
class Locals {
  private i32s = 0;
  private v128s = 0;
  constructor(private readonly params: number, private readonly maxI32: number) {}
  i32(): number { if (this.i32s === this.maxI32) throw new Error('too many i32 locals'); return this.params + this.i32s++; }
  v128(): number { return this.params + this.maxI32 + this.v128s++; }
  declaration(): number[] { return [2, ...leb(this.maxI32), I32, ...leb(this.v128s), V128]; }
}

const funcBody = (locals: Locals, code: number[]): number[] => {
  const decl = locals.declaration();
  return [...leb(decl.length + code.length + 1), ...decl, ...code, END];
};

// dotRows params.
const [DA, DA_STRIDE, DROWS, DW, DK, DCOLS, DBIAS, DOUT] = [0, 1, 2, 3, 4, 5, 6, 7] as const;
const DOT_BLOCK_ROWS = 2;

function dotRowsBody(): number[] {
  const L = new Locals(8, 16);
  const r = L.i32(), rowsMain = L.i32(), c = L.i32(), k = L.i32(), outStride = L.i32(), outRow = L.i32();
  const aPtr = Array.from({ length: DOT_BLOCK_ROWS }, () => L.i32());
  const wPtr = Array.from({ length: DOT_COLS }, () => L.i32());
  const acc = Array.from({ length: DOT_BLOCK_ROWS * DOT_COLS }, () => L.v128());
  const av = Array.from({ length: DOT_BLOCK_ROWS }, () => L.v128());
  const wv = L.v128(), p = L.v128(), q = L.v128();

  /** rowsHere rows from r: every DOT_COLS-column block of the output. */
  const block = (rowsHere: number): number[] => {
    const code: number[] = [];
    for (let i = 0; i < rowsHere; i++) {
      code.push(...get(DA), ...get(r), ...(i > 0 ? [...i32(i), I32_ADD] : []), ...get(DA_STRIDE), I32_MUL, I32_ADD, ...set(aPtr[i]!));
    }
    code.push(...get(DOUT), ...get(r), ...get(outStride), I32_MUL, I32_ADD, ...set(outRow));
    code.push(...i32(0), ...set(c), LOOP, VOID);
    // w rows c .. c + DOT_COLS.
    code.push(...get(DW), ...get(c), ...get(DK), I32_MUL, I32_ADD, ...set(wPtr[0]!));
    for (let j = 1; j < DOT_COLS; j++) code.push(...get(wPtr[j - 1]!), ...get(DK), I32_ADD, ...set(wPtr[j]!));
    for (let x = 0; x < rowsHere * DOT_COLS; x++) code.push(...V128_ZERO, ...set(acc[x]!));
    code.push(...i32(0), ...set(k), LOOP, VOID);
    for (let i = 0; i < rowsHere; i++) code.push(...get(aPtr[i]!), ...get(k), I32_ADD, ...V128_LOAD(), ...set(av[i]!));
    for (let j = 0; j < DOT_COLS; j++) {
      code.push(...get(wPtr[j]!), ...get(k), I32_ADD, ...V128_LOAD(), ...set(wv));
      for (let i = 0; i < rowsHere; i++) {
        const x = acc[i * DOT_COLS + j]!;
        code.push(...get(x), ...get(av[i]!), ...get(wv), ...F32X4_MUL, ...F32X4_ADD, ...set(x));
      }
    }
    code.push(...bump(k, i32(16)), ...get(k), ...get(DK), I32_LT_U, BR_IF, 0, END);
    // Lane sums of four accumulators into one vector: ((l0 + l2) + (l1 + l3)) per column.
    for (let i = 0; i < rowsHere; i++) {
      for (let g = 0; g < DOT_COLS; g += 4) {
        const [x0, x1, x2, x3] = [0, 1, 2, 3].map((t) => acc[i * DOT_COLS + g + t]!) as [number, number, number, number];
        code.push(...get(outRow), ...(i > 0 ? [...get(outStride), ...i32(i), I32_MUL, I32_ADD] : []), ...get(c), ...i32(2), I32_SHL, I32_ADD);
        code.push(...get(x0), ...get(x1), ...SHUFFLE([0, 1, 4, 5]), ...get(x0), ...get(x1), ...SHUFFLE([2, 3, 6, 7]), ...F32X4_ADD, ...set(p));
        code.push(...get(x2), ...get(x3), ...SHUFFLE([0, 1, 4, 5]), ...get(x2), ...get(x3), ...SHUFFLE([2, 3, 6, 7]), ...F32X4_ADD, ...set(q));
        code.push(...get(p), ...get(q), ...SHUFFLE([0, 2, 4, 6]), ...get(p), ...get(q), ...SHUFFLE([1, 3, 5, 7]), ...F32X4_ADD);
        code.push(...get(DBIAS), ...get(c), ...i32(2), I32_SHL, I32_ADD, ...V128_LOAD(16 * (g / 4)), ...F32X4_ADD);
        code.push(...V128_STORE(16 * (g / 4)));
      }
    }
    code.push(...bump(c, i32(DOT_COLS)), ...get(c), ...get(DCOLS), I32_LT_U, BR_IF, 0, END);
    return code;
  };

  const code: number[] = [
    ...get(DCOLS), ...i32(2), I32_SHL, ...set(outStride),
    ...get(DROWS), ...get(DROWS), ...i32(DOT_BLOCK_ROWS), I32_REM_U, I32_SUB, ...set(rowsMain),
    ...i32(0), ...set(r),
    ...forLoop(r, rowsMain, i32(DOT_BLOCK_ROWS), block(DOT_BLOCK_ROWS)),
    ...forLoop(r, DROWS, i32(1), block(1)),
  ];
  return funcBody(L, code);
}

// atb and ab params: a, aRowStep, aSumStep, b, bStride, steps, mPadded, nPadded, out.
const [TA, TA_ROW, TA_SUM, TB, TB_STRIDE, TSTEPS, TM, TN, TOUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;
const ATB_VECS = 2;

/**
 * out[i][j] += Σ_s a[i·aRowStep + s·aSumStep] · b[s][j] (byte steps): ATB_ROWS output rows by
 * 4·ATB_VECS columns per block, one splat of a and ATB_VECS loads of b per step. `packedRows`: the
 * a values of consecutive output rows are consecutive f32 (aRowStep is 4 and is not read), so they
 * load at fixed offsets from one pointer (Aᵀ·B); otherwise each output row has its own pointer (A·B).
 */
function outerBody(packedRows: boolean): number[] {
  const L = new Locals(9, 20);
  const i = L.i32(), j = L.i32(), s = L.i32(), bPtr = L.i32(), outStride = L.i32(), nMain = L.i32(), outPtr = L.i32();
  const aPtr = Array.from({ length: packedRows ? 1 : ATB_ROWS }, () => L.i32());
  const acc = Array.from({ length: ATB_ROWS * ATB_VECS }, () => L.v128());
  const bv = Array.from({ length: ATB_VECS }, () => L.v128());
  const av = L.v128();

  /** Output rows i .. i + ATB_ROWS, columns j .. j + 4·vecs. */
  const block = (vecs: number): number[] => {
    const code: number[] = [];
    for (let r = 0; r < ATB_ROWS; r++) for (let v = 0; v < vecs; v++) code.push(...V128_ZERO, ...set(acc[r * ATB_VECS + v]!));
    if (packedRows) code.push(...get(TA), ...get(i), ...i32(2), I32_SHL, I32_ADD, ...set(aPtr[0]!));
    else code.push(...get(TA), ...get(i), ...get(TA_ROW), I32_MUL, I32_ADD, ...set(aPtr[0]!));
    for (let r = 1; r < aPtr.length; r++) code.push(...get(aPtr[r - 1]!), ...get(TA_ROW), I32_ADD, ...set(aPtr[r]!));
    code.push(...get(TB), ...get(j), ...i32(2), I32_SHL, I32_ADD, ...set(bPtr), ...i32(0), ...set(s));
    const step: number[] = [];
    for (let v = 0; v < vecs; v++) step.push(...get(bPtr), ...V128_LOAD(16 * v), ...set(bv[v]!));
    for (let r = 0; r < ATB_ROWS; r++) {
      step.push(...(packedRows ? [...get(aPtr[0]!), ...V128_LOAD32_SPLAT(4 * r)] : [...get(aPtr[r]!), ...V128_LOAD32_SPLAT()]), ...set(av));
      for (let v = 0; v < vecs; v++) {
        const x = acc[r * ATB_VECS + v]!;
        step.push(...get(x), ...get(av), ...get(bv[v]!), ...F32X4_MUL, ...F32X4_ADD, ...set(x));
      }
    }
    for (const p of aPtr) step.push(...bump(p, get(TA_SUM)));
    step.push(...bump(bPtr, get(TB_STRIDE)));
    code.push(...forLoop(s, TSTEPS, i32(1), step));
    code.push(...get(TOUT), ...get(i), ...get(outStride), I32_MUL, I32_ADD, ...get(j), ...i32(2), I32_SHL, I32_ADD, ...set(outPtr));
    for (let r = 0; r < ATB_ROWS; r++) {
      for (let v = 0; v < vecs; v++) {
        code.push(...get(outPtr), ...get(outPtr), ...V128_LOAD(16 * v), ...get(acc[r * ATB_VECS + v]!), ...F32X4_ADD, ...V128_STORE(16 * v));
      }
      if (r + 1 < ATB_ROWS) code.push(...bump(outPtr, get(outStride)));
    }
    return code;
  };

  const rowBody: number[] = [
    ...i32(0), ...set(j),
    ...forLoop(j, nMain, i32(4 * ATB_VECS), block(ATB_VECS)),
    ...forLoop(j, TN, i32(4), block(1)),
  ];
  const code: number[] = [
    ...get(TN), ...i32(2), I32_SHL, ...set(outStride),
    ...get(TN), ...get(TN), ...i32(4 * ATB_VECS), I32_REM_U, I32_SUB, ...set(nMain),
    ...i32(0), ...set(i),
    ...forLoop(i, TM, i32(ATB_ROWS), rowBody),
  ];
  return funcBody(L, code);
}

function moduleBytes(): Uint8Array {
  const i32s = (n: number): number[] => new Array<number>(n).fill(I32);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, 8, ...i32s(8), 0, 0x60, 9, ...i32s(9), 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]),
    ...section(3, [3, 0, 1, 1]),
    ...section(7, [3, ...name('dotRows'), 0x00, 0, ...name('atb'), 0x00, 1, ...name('ab'), 0x00, 2]),
    ...section(10, [3, ...dotRowsBody(), ...outerBody(true), ...outerBody(false)]),
  ]);
}

let compiled: object | undefined;

/** A kernel over a new (unshared, growable) memory of at least `bytes`. Throws where WebAssembly SIMD is unavailable. */
export function matmulKernel(bytes: number): MatmulKernel {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory = new Wasm.Memory({ initial: pages }) as MatmulKernel['memory'];
  compiled ??= new Wasm.Module(moduleBytes());
  const instance = new Wasm.Instance(compiled, { env: { memory } });
  return {
    memory,
    dotRows: instance.exports['dotRows'] as MatmulKernel['dotRows'],
    atb: instance.exports['atb'] as MatmulKernel['atb'],
    ab: instance.exports['ab'] as MatmulKernel['ab'],
  };
}
