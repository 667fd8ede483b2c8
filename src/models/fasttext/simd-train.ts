import { leb, name, section, Wasm, type WasmMemory } from '../simd/wasm-bytes.js';

/**
 * The two dense output-layer loops of a training step in WebAssembly SIMD, over the shared memory
 * that holds the output layer (rows of classesPadded f32):
 *   dots(output, coef, grad, dimPadded, classesPadded): grad[j] = Σ_c coef[c] × output[j][c]
 *   axpy(row, coef, h, classesPadded):                  row[c] += h × coef[c]
 * In plain JS these two were nine tenths of the training work. Lane-wise IEEE f32 operations in a
 * fixed order, so the result is the same for any thread count and machine.
 */
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const GET = 0x20, SET = 0x21, TEE = 0x22, I32_CONST = 0x41, I32_ADD = 0x6a, I32_SHL = 0x74, I32_LT_U = 0x49;
const F32_ADD = 0x92, F32_STORE = 0x38;
const LOOP = 0x03, END = 0x0b, BR_IF = 0x0d, VOID = 0x40;
const simd = (op: number): number[] => [0xfd, ...leb(op)];
const LOAD = [...simd(0x00), 4, 0], STORE = [...simd(0x0b), 4, 0];
const F32X4_SPLAT = simd(0x13), F32X4_ADD = simd(0xe4), F32X4_MUL = simd(0xe6);
const EXTRACT = (lane: number): number[] => [...simd(0x1f), lane];
const V128_ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];

function dotsBody(): number[] {
  // Params 0 out, 1 coef, 2 grad, 3 dimPadded, 4 cp; locals 5 j, 6 c, 7 end (i32), 8 acc (v128).
  const [OUT, COEF, GRAD, DIM, CP, J, C, E, ACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const code = [
    GET, COEF, GET, CP, I32_CONST, 2, I32_SHL, I32_ADD, SET, E,
    LOOP, VOID,
    ...V128_ZERO, SET, ACC,
    GET, COEF, SET, C,
    LOOP, VOID,
    GET, ACC, GET, C, ...LOAD, GET, OUT, ...LOAD, ...F32X4_MUL, ...F32X4_ADD, SET, ACC,
    GET, OUT, I32_CONST, 16, I32_ADD, SET, OUT,
    GET, C, I32_CONST, 16, I32_ADD, TEE, C, GET, E, I32_LT_U, BR_IF, 0,
    END,
    GET, GRAD, GET, J, I32_CONST, 2, I32_SHL, I32_ADD,
    GET, ACC, ...EXTRACT(0), GET, ACC, ...EXTRACT(1), F32_ADD, GET, ACC, ...EXTRACT(2), F32_ADD, GET, ACC, ...EXTRACT(3), F32_ADD,
    F32_STORE, 2, 0,
    GET, J, I32_CONST, 1, I32_ADD, TEE, J, GET, DIM, I32_LT_U, BR_IF, 0,
    END,
    END,
  ];
  const locals = [2, 3, I32, 1, V128];
  return [...leb(locals.length + code.length), ...locals, ...code];
}

function axpyBody(): number[] {
  // Params 0 row, 1 coef, 2 h (f32), 3 cp; locals 4 end (i32), 5 hv (v128).
  const [ROW, COEF, H, CP, E, HV] = [0, 1, 2, 3, 4, 5];
  const code = [
    GET, H, ...F32X4_SPLAT, SET, HV,
    GET, ROW, GET, CP, I32_CONST, 2, I32_SHL, I32_ADD, SET, E,
    LOOP, VOID,
    GET, ROW, GET, ROW, ...LOAD, GET, COEF, ...LOAD, GET, HV, ...F32X4_MUL, ...F32X4_ADD, ...STORE,
    GET, COEF, I32_CONST, 16, I32_ADD, SET, COEF,
    GET, ROW, I32_CONST, 16, I32_ADD, TEE, ROW, GET, E, I32_LT_U, BR_IF, 0,
    END,
    END,
  ];
  const locals = [2, 1, I32, 1, V128];
  return [...leb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(pages: number): Uint8Array {
  const dots = dotsBody();
  const axpy = axpyBody();
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [2, 0x60, 5, I32, I32, I32, I32, I32, 0, 0x60, 4, I32, I32, F32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x03, ...leb(pages), ...leb(pages)]),
    ...section(3, [2, 0, 1]),
    ...section(7, [2, ...name('dots'), 0x00, 0, ...name('axpy'), 0x00, 1]),
    ...section(10, [2, ...dots, ...axpy]),
  ]);
}

export interface TrainKernels {
  dots(output: number, coef: number, grad: number, dimPadded: number, classesPadded: number): void;
  axpy(row: number, coef: number, h: number, classesPadded: number): void;
}

/** The kernels over a shared memory (initial = maximum pages, as sharedWasmMemory makes it). */
export function trainKernels(memory: WasmMemory): TrainKernels {
  const instance = new Wasm.Instance(new Wasm.Module(moduleBytes(memory.buffer.byteLength / 65536)), { env: { memory } });
  return {
    dots: instance.exports['dots'] as TrainKernels['dots'],
    axpy: instance.exports['axpy'] as TrainKernels['axpy'],
  };
}
