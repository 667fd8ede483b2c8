import { leb, name, section, Wasm, type WasmMemory } from '../simd/wasm-bytes.js';

/**
 * Softmax over the scores the SIMD output kernel wrote, in WebAssembly SIMD: four classes per step,
 * e^x as 2^n (built in the exponent bits) times a degree-7 polynomial in f32 (relative error about
 * 1e-7, the float32 the probabilities are stored in anyway). On 800 classes the scalar JS softmax
 * (one e^x per class) cost about as much as the output layer; this is several times cheaper.
 * Plain IEEE f32 operations only, so results are the same on every machine.
 *
 * softmax(at, end): scores are f32 at byte addresses [at, end), end - at a multiple of 16; lanes
 * past the real classes must hold -Infinity (they come out as ~0 and are not read).
 */
const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;
const GET = 0x20, SET = 0x21, TEE = 0x22, I32_CONST = 0x41, I32_ADD = 0x6a, I32_LT_U = 0x49;
const F32_MAX = 0x97, F32_ADD = 0x92, F32_DIV = 0x95;
const LOOP = 0x03, END = 0x0b, BR_IF = 0x0d, VOID = 0x40;
const simd = (op: number): number[] => [0xfd, ...leb(op)];
const LOAD = [...simd(0x00), 4, 0], STORE = [...simd(0x0b), 4, 0];
const F32X4_SPLAT = simd(0x13), I32X4_SPLAT = simd(0x11);
const EXTRACT = (lane: number): number[] => [...simd(0x1f), lane];
const F32X4_ADD = simd(0xe4), F32X4_SUB = simd(0xe5), F32X4_MUL = simd(0xe6), F32X4_MAX = simd(0xe9), F32X4_NEAREST = simd(0x6a);
const I32X4_TRUNC_SAT = simd(0xf8), I32X4_ADD = simd(0xae), I32X4_SHL = simd(0xab);

function f32Const(v: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, v, true);
  return [0x43, ...b];
}
const splat = (v: number): number[] => [...f32Const(v), ...F32X4_SPLAT];

// Params: 0 at, 1 end. Locals: 2 p (i32), 3 m (f32), 4 vmax, 5 vsum, 6 x, 7 n (v128).
const AT = 0, ENDP = 1, P = 2, M = 3, VMAX = 4, VSUM = 5, X = 6, N = 7;

function hmax(v: number): number[] {
  return [GET, v, ...EXTRACT(0), GET, v, ...EXTRACT(1), F32_MAX, GET, v, ...EXTRACT(2), F32_MAX, GET, v, ...EXTRACT(3), F32_MAX];
}
function hsum(v: number): number[] {
  return [GET, v, ...EXTRACT(0), GET, v, ...EXTRACT(1), F32_ADD, GET, v, ...EXTRACT(2), F32_ADD, GET, v, ...EXTRACT(3), F32_ADD];
}
/** for (p = at; p < end; p += 16) { ...body } */
function loop(body: number[]): number[] {
  return [GET, AT, SET, P, LOOP, VOID, ...body, GET, P, I32_CONST, 16, I32_ADD, TEE, P, GET, ENDP, I32_LT_U, BR_IF, 0, END];
}

function body(): number[] {
  const code: number[] = [
    ...splat(-Infinity), SET, VMAX,
    ...loop([GET, VMAX, GET, P, ...LOAD, ...F32X4_MAX, SET, VMAX]),
    ...hmax(VMAX), SET, M,
    ...splat(0), SET, VSUM,
    ...loop([
      // x = max(s - m, -87): e^-87 is still a normal float, so 2^n below never leaves the exponent range.
      GET, P, ...LOAD, GET, M, ...F32X4_SPLAT, ...F32X4_SUB, ...splat(-87), ...F32X4_MAX, SET, X,
      GET, X, ...splat(Math.LOG2E), ...F32X4_MUL, ...F32X4_NEAREST, SET, N,
      // u = x - n ln2 (two-part ln2 keeps u exact enough), kept in X.
      GET, X, GET, N, ...splat(0.693145751953125), ...F32X4_MUL, ...F32X4_SUB,
      GET, N, ...splat(1.4286068203094172e-6), ...F32X4_MUL, ...F32X4_SUB, SET, X,
      // Horner: 1 + u(1 + u(1/2 + u(1/6 + u(1/24 + u(1/120 + u(1/720 + u/5040)))))).
      GET, P,
      ...splat(1 / 5040), GET, X, ...F32X4_MUL, ...splat(1 / 720), ...F32X4_ADD,
      GET, X, ...F32X4_MUL, ...splat(1 / 120), ...F32X4_ADD,
      GET, X, ...F32X4_MUL, ...splat(1 / 24), ...F32X4_ADD,
      GET, X, ...F32X4_MUL, ...splat(1 / 6), ...F32X4_ADD,
      GET, X, ...F32X4_MUL, ...splat(0.5), ...F32X4_ADD,
      GET, X, ...F32X4_MUL, ...splat(1), ...F32X4_ADD,
      GET, X, ...F32X4_MUL, ...splat(1), ...F32X4_ADD,
      // × 2^n: (n + 127) << 23 is the bit pattern of 2^n (0xff 0x00 is 127 in signed LEB128).
      GET, N, ...I32X4_TRUNC_SAT, I32_CONST, 0xff, 0x00, ...I32X4_SPLAT, ...I32X4_ADD, I32_CONST, 23, ...I32X4_SHL,
      ...F32X4_MUL, TEE, X, ...STORE,
      GET, VSUM, GET, X, ...F32X4_ADD, SET, VSUM,
    ]),
    ...f32Const(1), ...hsum(VSUM), F32_DIV, ...F32X4_SPLAT, SET, VSUM,
    ...loop([GET, P, GET, P, ...LOAD, GET, VSUM, ...F32X4_MUL, ...STORE]),
    END,
  ];
  const locals = [3, 1, I32, 1, F32, 4, V128];
  return [...leb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(pages: number, shared: boolean): Uint8Array {
  const limits = shared ? [0x03, ...leb(pages), ...leb(pages)] : [0x00, ...leb(1)];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 2, I32, I32, 0]),
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, ...limits]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name('softmax'), 0x00, 0]),
    ...section(10, [1, ...body()]),
  ]);
}

let compiled: object | undefined;

/**
 * softmax(at, end) over the memory the scores kernel writes into. A shared memory (training) must
 * have initial = maximum pages, as sharedWasmMemory makes it.
 */
export function softmaxKernel(memory: WasmMemory): (at: number, end: number) => void {
  const shared = memory.buffer instanceof SharedArrayBuffer;
  const mod = shared ? new Wasm.Module(moduleBytes(memory.buffer.byteLength / 65536, true)) : (compiled ??= new Wasm.Module(moduleBytes(1, false)));
  const instance = new Wasm.Instance(mod, { env: { memory } });
  return instance.exports['softmax'] as (at: number, end: number) => void;
}
