// The float64 reference forward pass (test/helpers/reference.ts): hand-worked cases for every op
// family, properties, and agreement with the engine's shape analysis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AttrValue, Graph, Shape } from '../../engine/index.ts';
import { allLayers, analyze, GraphBuilder } from '../../engine/index.ts';
import type { Params, RefTensor } from '../helpers/reference.ts';
import {
  batchNormRunningUpdate,
  erf,
  erfc,
  lossForward,
  maxAbsDiff,
  mulberry32,
  numericGradient,
  randomMask,
  randomIds,
  randomTensor,
  referenceForward,
  referenceGraphForward,
  referenceGraphRunningUpdates,
  refTensor,
  withDefaults,
} from '../helpers/reference.ts';

const t = refTensor;
const ev = (type: string, attrs: Record<string, unknown>, x: RefTensor | RefTensor[], params: Params = {}) =>
  referenceForward(type, attrs, Array.isArray(x) ? x : [x], params, 'eval');

function near(
  actual: RefTensor | ArrayLike<number>,
  expected: readonly number[],
  tol = 1e-12,
  shape?: number[],
) {
  const data = 'data' in actual ? actual.data : actual;
  if (shape && 'shape' in actual) assert.deepEqual(actual.shape, shape);
  assert.equal(data.length, expected.length, `length ${data.length} vs ${expected.length}`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(data[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])),
      `element ${i}: ${data[i]} vs ${expected[i]}\n  got [${Array.from(data).join(', ')}]`,
    );
}

// 3x3 image 1..9 and the 2x2 kernel [[1, 2], [3, 4]], used by several convolution cases.
const img3 = () => t([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
const k2 = () => t([1, 1, 2, 2], [1, 2, 3, 4]);
const conv = (attrs: Record<string, unknown>) => ({ out_channels: 1, kernel_size: 2, bias: false, ...attrs });

test('Conv2d: valid, bias, stride + padding, asymmetric and same padding, dilation', () => {
  // out[i][j] = x[i][j] + 2x[i][j+1] + 3x[i+1][j] + 4x[i+1][j+1]: 1+4+12+20 = 37, 47, 67, 77; bias 1.
  near(
    ev('Conv2d', conv({ bias: true }), img3(), { weight: k2(), bias: t([1], [1]) }),
    [38, 48, 68, 78],
    0,
    [1, 1, 2, 2],
  );
  // padding 1, stride 2: windows start at -1 and 1. (0,0) sees only x00*4 = 4; (0,1): x01*3 + x02*4 = 18;
  // (1,0): x10*2 + x20*4 = 36; (1,1): 5 + 12 + 24 + 36 = 77.
  near(
    ev('Conv2d', conv({ stride: 2, padding: 1 }), img3(), { weight: k2() }),
    [4, 18, 36, 77],
    0,
    [1, 1, 2, 2],
  );
  // (h_before, w_before, h_after, w_after) = (1, 0, 0, 1): a zero row on top, a zero column on the right.
  // Row 0 sees zeros above: 3*x00 + 4*x01 = 11, 3*2 + 4*3 = 18, 3*3 = 9; the last column sees zeros
  // on the right: 3 + 3*6 = 21 and 6 + 3*9 = 33.
  near(
    ev('Conv2d', conv({ padding: [1, 0, 0, 1] }), img3(), { weight: k2() }),
    [11, 18, 9, 37, 47, 3 + 18, 67, 77, 6 + 27],
    0,
    [1, 1, 3, 3],
  );
  // 'same' with an even kernel pads 0 before and 1 after: the last row/column sees zeros.
  near(
    ev('Conv2d', conv({ padding: 'same' }), img3(), { weight: k2() }),
    [37, 47, 3 + 18, 67, 77, 6 + 27, 7 + 16, 8 + 18, 9],
    0,
    [1, 1, 3, 3],
  );
  // dilation 2: the taps are the four corners, 1 + 2*3 + 3*7 + 4*9 = 64.
  near(ev('Conv2d', conv({ dilation: 2 }), img3(), { weight: k2() }), [64], 0, [1, 1, 1, 1]);
  // 'same' with dilation 2 and a 2-tap kernel: total padding 2, split 1 + 1.
  near(
    ev(
      'Conv1d',
      { out_channels: 1, kernel_size: 2, dilation: 2, padding: 'same', bias: false },
      t([1, 1, 3], [1, 2, 3]),
      {
        weight: t([1, 1, 2], [1, 10]),
      },
    ),
    [20, 31, 2],
    0,
    [1, 1, 3],
  );
  assert.throws(
    () => ev('Conv2d', conv({ padding: 'same', stride: 2 }), img3(), { weight: k2() }),
    /strided/,
  );
});

test('Conv2d: groups, multiple channels and the connection table', () => {
  const x = t([1, 2, 1, 1], [1, 2]);
  // groups = 2: each output channel sees its own input channel.
  near(
    ev('Conv2d', { out_channels: 2, kernel_size: 1, groups: 2, bias: false }, x, {
      weight: t([2, 1, 1, 1], [2, -1]),
    }),
    [2, -2],
  );
  const w = t([2, 2, 1, 1], [1, 10, 100, 1000]);
  // Full: out0 = 1*1 + 10*2 = 21, out1 = 100*1 + 1000*2 = 2100.
  near(ev('Conv2d', { out_channels: 2, kernel_size: 1, bias: false }, x, { weight: w }), [21, 2100]);
  // Table [[1, 0], [0, 1]]: out0 = 1*1, out1 = 1000*2; [[0, 1], [1, 1]]: out0 = 20, out1 = 2100.
  near(
    ev(
      'Conv2d',
      {
        out_channels: 2,
        kernel_size: 1,
        bias: false,
        connection_table: [
          [1, 0],
          [0, 1],
        ],
      },
      x,
      { weight: w },
    ),
    [1, 2000],
  );
  near(
    ev(
      'Conv2d',
      {
        out_channels: 2,
        kernel_size: 1,
        bias: true,
        connection_table: [
          [0, 1],
          [1, 1],
        ],
      },
      x,
      {
        weight: w,
        bias: t([2], [0.5, -0.5]),
      },
    ),
    [20.5, 2099.5],
  );
  assert.throws(
    () =>
      ev('Conv2d', { out_channels: 2, kernel_size: 1, groups: 2, connection_table: [[1], [1]] }, x, {
        weight: w,
      }),
    /groups/,
  );
  // Two input channels summed: 3x3 image and its negative-twice, kernel [[1,2],[3,4]] and all-ones.
  const x2 = t([1, 2, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, -2, -4, -6, -8, -10, -12, -14, -16, -18]);
  const w2 = t([1, 2, 2, 2], [1, 2, 3, 4, 1, 1, 1, 1]);
  // channel 1 with ones: -2*(1+2+4+5) = -24, -2*(2+3+5+6) = -32, -2*(4+5+7+8) = -48, -2*(5+6+8+9) = -56.
  near(ev('Conv2d', conv({}), x2, { weight: w2 }), [37 - 24, 47 - 32, 67 - 48, 77 - 56]);
});

test('Conv1d: padding, stride and (before, after) padding', () => {
  const x = t([1, 1, 5], [1, 2, 3, 4, 5]);
  const weight = t([1, 1, 3], [1, 0, -1]);
  const a = { out_channels: 1, kernel_size: 3, bias: false };
  // out[i] = x[i-1] - x[i+1] with zeros outside.
  near(ev('Conv1d', { ...a, padding: 1 }, x, { weight }), [-2, -2, -2, -2, 4], 0, [1, 1, 5]);
  near(ev('Conv1d', { ...a, padding: 1, stride: 2 }, x, { weight }), [-2, -2, 4], 0, [1, 1, 3]);
  // (before, after) = (0, 2): out[i] = x[i] - x[i+2].
  near(ev('Conv1d', { ...a, padding: [0, 2] }, x, { weight }), [-2, -2, -2, 4, 5], 0, [1, 1, 5]);
});

test('ConvTranspose2d: a 1-D-like case with stride, padding, output_padding, dilation and groups', () => {
  const x = t([1, 1, 1, 3], [1, 2, 3]);
  const weight = t([1, 1, 1, 2], [1, 10]);
  const a = (o: Record<string, unknown>) => ({ out_channels: 1, kernel_size: [1, 2], bias: false, ...o });
  // Each x[i] writes x[i]*[1, 10] at columns i*stride, i*stride + 1.
  near(ev('ConvTranspose2d', a({ stride: [1, 2] }), x, { weight }), [1, 10, 2, 20, 3, 30], 0, [1, 1, 1, 6]);
  near(ev('ConvTranspose2d', a({}), x, { weight }), [1, 12, 23, 30], 0, [1, 1, 1, 4]);
  // padding [0, 1] crops one column from each side of the full output.
  near(
    ev('ConvTranspose2d', a({ stride: [1, 2], padding: [0, 1] }), x, { weight }),
    [10, 2, 20, 3],
    0,
    [1, 1, 1, 4],
  );
  // output_padding adds a column on the right that only the bias reaches.
  near(
    ev('ConvTranspose2d', a({ stride: [1, 2], output_padding: [0, 1], bias: true }), x, {
      weight,
      bias: t([1], [0.5]),
    }),
    [1.5, 10.5, 2.5, 20.5, 3.5, 30.5, 0.5],
    0,
    [1, 1, 1, 7],
  );
  // dilation 2: taps at columns i and i + 2 -> [1, 2, 10 + 3, 20, 30].
  near(ev('ConvTranspose2d', a({ dilation: [1, 2] }), x, { weight }), [1, 2, 13, 20, 30], 0, [1, 1, 1, 5]);
  // groups 2, 1x1: channel c scales by its own weight; weight is [Cin, Cout/groups, 1, 1].
  near(
    ev(
      'ConvTranspose2d',
      { out_channels: 2, kernel_size: 1, groups: 2, bias: false },
      t([1, 2, 1, 1], [1, 2]),
      {
        weight: t([2, 1, 1, 1], [3, 5]),
      },
    ),
    [3, 10],
  );
  // Two output channels from one input: weight [1, 2, 1, 1].
  near(
    ev('ConvTranspose2d', { out_channels: 2, kernel_size: 1, bias: false }, t([1, 1, 1, 1], [2]), {
      weight: t([1, 2, 1, 1], [3, 5]),
    }),
    [6, 10],
  );
  assert.throws(() => ev('ConvTranspose2d', a({ output_padding: 1 }), x, { weight }), /output padding/);
});

test('ConvTranspose2d is the adjoint of Conv2d: <conv(x), z> = <x, convT(z)>', () => {
  const rng = mulberry32(11);
  for (let trial = 0; trial < 40; trial++) {
    const ri = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
    const groups = ri(1, 2);
    const cin = groups * ri(1, 2);
    const cout = groups * ri(1, 2);
    const k = [ri(1, 3), ri(1, 3)];
    const s = [ri(1, 3), ri(1, 2)];
    const d = [ri(1, 2), ri(1, 2)];
    const p = [ri(0, 2), ri(0, 1)];
    const hw = [ri(5, 8), ri(5, 8)]; // >= the dilated kernel (at most 5)
    const x = randomTensor([2, cin, ...hw], rng);
    const weight = randomTensor([cout, cin / groups, ...k], rng);
    const shared = { kernel_size: k, stride: s, padding: p, dilation: d, groups, bias: false };
    const y = ev('Conv2d', { ...shared, out_channels: cout }, x, { weight });
    const z = randomTensor(y.shape, rng);
    const oh = [0, 1].map((i) => (y.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1);
    const back = ev(
      'ConvTranspose2d',
      { ...shared, out_channels: cin, output_padding: [0, 1].map((i) => hw[i] - oh[i]) },
      z,
      {
        weight,
      },
    );
    assert.deepEqual(back.shape, x.shape);
    let lhs = 0;
    let rhs = 0;
    y.data.forEach((v, i) => (lhs += v * z.data[i]));
    x.data.forEach((v, i) => (rhs += v * back.data[i]));
    assert.ok(Math.abs(lhs - rhs) < 1e-12 * Math.max(1, Math.abs(lhs)), `trial ${trial}: ${lhs} vs ${rhs}`);
  }
});

test('MaxPool2d: ceil_mode with padding keeps a partial window; padding is -inf', () => {
  // 4x4, kernel 3, stride 2, padding 1: floor((4+2-3)/2)+1 = 2, ceil mode 3 (the last window
  // starts at row 3, inside the input). Window rows: [-1..1], [1..3], [3..5] -> real rows {0,1}, {1,2,3}, {3}.
  const pos = t(
    [1, 1, 4, 4],
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
  const a = { kernel_size: 3, stride: 2, padding: 1 };
  near(ev('MaxPool2d', { ...a, ceil_mode: true }, pos), [6, 8, 8, 14, 16, 16, 14, 16, 16], 0, [1, 1, 3, 3]);
  near(ev('MaxPool2d', { ...a, ceil_mode: false }, pos), [6, 8, 14, 16], 0, [1, 1, 2, 2]);
  // Negative input: a zero padding would win every border window; -inf padding never does.
  const neg = t(
    [1, 1, 4, 4],
    Array.from({ length: 16 }, (_, i) => -(i + 1)),
  );
  near(ev('MaxPool2d', { ...a, ceil_mode: true }, neg), [-1, -2, -4, -5, -6, -8, -13, -14, -16]);
  // 5x5, kernel 2, stride 2, padding 1: ceil((5+2-2)/2)+1 = 4, but window 4 would start at row 5,
  // in the right padding, so PyTorch drops it: 3, the same as floor mode.
  const five = randomTensor([1, 1, 5, 5], mulberry32(1));
  assert.deepEqual(
    ev('MaxPool2d', { kernel_size: 2, stride: 2, padding: 1, ceil_mode: true }, five).shape,
    [1, 1, 3, 3],
  );
  // stride null means kernel_size; dilation 2 on 1..16: taps rows/cols {0, 2} -> max at (2,2) = 11.
  near(ev('MaxPool2d', { kernel_size: 2, stride: null, dilation: 2 }, pos), [11], 0, [1, 1, 1, 1]);
  near(ev('MaxPool2d', { kernel_size: 2 }, pos), [6, 8, 14, 16], 0, [1, 1, 2, 2]);
  // NaN propagates.
  assert.ok(Number.isNaN(ev('MaxPool2d', { kernel_size: 2 }, t([1, 1, 2, 2], [1, NaN, 3, 2])).data[0]));
  assert.throws(() => ev('MaxPool2d', { kernel_size: 3, padding: 2 }, pos), /half of kernel/);
});

test('AvgPool2d: count_include_pad true vs false on a corner window, and ceil_mode overhang', () => {
  // 4x4 of 1..16, kernel 3, stride 2, padding 1, ceil_mode: windows as in the MaxPool case.
  const x = t(
    [1, 1, 4, 4],
    Array.from({ length: 16 }, (_, i) => i + 1),
  );
  const a = { kernel_size: 3, stride: 2, padding: 1, ceil_mode: true };
  const inc = ev('AvgPool2d', { ...a, count_include_pad: true }, x);
  const exc = ev('AvgPool2d', { ...a, count_include_pad: false }, x);
  assert.deepEqual(inc.shape, [1, 1, 3, 3]);
  // Top-left: rows/cols [-1..1] hold 1 + 2 + 5 + 6 = 14; with the padding 9 positions, without 4.
  near([inc.data[0], exc.data[0]], [14 / 9, 14 / 4]);
  // Top-right: rows [-1..1], cols [3..5]; the padded input ends at col 4, so col 5 is not counted:
  // 3 x 2 = 6 positions with padding, 2 real (4 + 8 = 12).
  near([inc.data[2], exc.data[2]], [12 / 6, 12 / 2]);
  // Bottom-right: rows and cols [3..5] -> 2 x 2 = 4 with padding, 1 real (16).
  near([inc.data[8], exc.data[8]], [16 / 4, 16 / 1]);
  // Centre: rows/cols [1..3], all real: (6+7+8+10+11+12+14+15+16)/9 = 11.
  near([inc.data[4], exc.data[4]], [11, 11]);
  // No padding, floor mode: plain 2x2 means.
  near(ev('AvgPool2d', { kernel_size: 2 }, x), [3.5, 5.5, 11.5, 13.5]);
  assert.throws(() => ev('AvgPool2d', { kernel_size: 2, dilation: 2 }, x), /no attribute 'dilation'/);
});

test('GlobalAvgPool2d, Flatten, Reshape, ZeroPad2d', () => {
  const x = t([1, 2, 2, 2], [1, 2, 3, 4, 10, 20, 30, 40]);
  near(ev('GlobalAvgPool2d', {}, x), [2.5, 25], 0, [1, 2, 1, 1]);
  const r = randomTensor([2, 3, 4, 5], mulberry32(3));
  const f = ev('Flatten', {}, r);
  assert.deepEqual(f.shape, [2, 60]);
  assert.deepEqual(Array.from(f.data), Array.from(r.data));
  assert.deepEqual(ev('Flatten', { start_dim: 2 }, r).shape, [2, 3, 20]);
  assert.deepEqual(ev('Flatten', { start_dim: 0, end_dim: 1 }, r).shape, [6, 4, 5]);
  assert.deepEqual(ev('Flatten', { start_dim: -3, end_dim: -2 }, r).shape, [2, 12, 5]);
  const v = ev('Reshape', { shape: [-1, 5] }, r);
  assert.deepEqual(v.shape, [2, 12, 5]);
  assert.deepEqual(Array.from(v.data), Array.from(r.data));
  assert.deepEqual(ev('Reshape', { shape: [5, 4, 3] }, r).shape, [2, 5, 4, 3]);
  assert.throws(() => ev('Reshape', { shape: [7, -1] }, r), /can't be viewed/);
  // (left, right, top, bottom) = (1, 2, 3, 0) on a 1x2 map [5, 6]: 4 rows x 5 columns.
  near(
    ev('ZeroPad2d', { padding: [1, 2, 3, 0] }, t([1, 1, 1, 2], [5, 6])),
    [...Array(15).fill(0), 0, 5, 6, 0, 0],
    0,
    [1, 1, 4, 5],
  );
  near(ev('ZeroPad2d', { padding: [1] }, t([1, 1, 1, 1], [7])), [0, 0, 0, 0, 7, 0, 0, 0, 0], 0, [1, 1, 3, 3]);
});

test('activations: hand values', () => {
  const one = (type: string, v: number, attrs: Record<string, unknown> = {}) =>
    ev(type, attrs, t([1], [v])).data[0];
  near([one('GELU', 1)], [0.8413447460685429], 1e-15);
  near([one('GELU', -1)], [-0.15865525393145707], 1e-15);
  near([one('GELU', 3)], [2.99595030590511], 1e-15);
  const tail = one('GELU', -6); // the lower tail keeps its relative accuracy
  assert.ok(Math.abs(tail + 5.919525870226207e-9) <= 1e-13 * 5.919525870226207e-9, `GELU(-6) = ${tail}`);
  near([one('GELU', 1, { approximate: 'tanh' })], [0.8411919906082768], 1e-15);
  assert.equal(one('GELU', 0), 0);
  near([one('SELU', -1)], [-1.1113307378125628], 1e-15);
  near([one('SELU', 2)], [2.101401974710961], 1e-15);
  near([one('ELU', -1, { alpha: 2 })], [-1.2642411176571153], 1e-15);
  near([one('ELU', 3)], [3]);
  near(
    [one('LeakyReLU', -2, { negative_slope: 0.1 }), one('LeakyReLU', -2), one('LeakyReLU', 2)],
    [-0.2, -0.02, 2],
  );
  near([one('ReLU', -3), one('ReLU', 3)], [0, 3]);
  near([one('Sigmoid', 0), one('Sigmoid', -800), one('Sigmoid', 800)], [0.5, 0, 1]);
  near([one('Tanh', 0.5)], [0.46211715726000974], 1e-15);
  near([one('Identity', -4.25)], [-4.25]);
});

test('erf and erfc against libm values', () => {
  const cases: [number, number, number][] = [
    [0.1, 0.1124629160182849, 0.8875370839817152],
    [0.5, 0.5204998778130465, 0.4795001221869535],
    [1, 0.8427007929497149, 0.15729920705028513],
    [2, 0.9953222650189527, 0.004677734981047265],
    [3, 0.9999779095030014, 2.2090496998585438e-5],
    [4.5, 0.9999999998033839, 1.9661604415428873e-10],
  ];
  for (const [x, e, c] of cases) {
    near([erf(x), erf(-x)], [e, -e], 1e-15);
    assert.ok(Math.abs(erfc(x) - c) <= 1e-14 * c, `erfc(${x}) = ${erfc(x)}, want ${c}`);
    near([erfc(-x)], [2 - c], 1e-15);
  }
});

test('Softmax and LogSoftmax: [1, 2, 3], stability, dims', () => {
  near(
    ev('Softmax', {}, t([1, 3], [1, 2, 3])),
    [0.09003057317038046, 0.24472847105479767, 0.6652409557748219],
    1e-15,
  );
  near(
    ev('LogSoftmax', {}, t([1, 3], [1, 2, 3])),
    [-2.40760596444438, -1.4076059644443801, -0.40760596444438013],
    1e-15,
  );
  // Shift invariance: huge logits do not overflow.
  near(
    ev('Softmax', {}, t([1, 3], [1001, 1002, 1003])),
    [0.09003057317038046, 0.24472847105479767, 0.6652409557748219],
    1e-15,
  );
  near(ev('LogSoftmax', {}, t([1, 2], [0, -1000])), [0, -1000]);
  // dim 0 / -1 on a 2x2.
  near(ev('Softmax', { dim: 0 }, t([2, 2], [0, 5, 0, 5])), [0.5, 0.5, 0.5, 0.5]);
  near(ev('Softmax', { dim: -1 }, t([2, 2], [7, 7, 0, 0])), [0.5, 0.5, 0.5, 0.5]);
});

test('Softmax rows sum to 1 and LogSoftmax = log Softmax, along every dim', () => {
  const rng = mulberry32(5);
  const x = randomTensor([2, 3, 4, 5], rng, 10);
  for (const dim of [0, 1, 2, 3, -1]) {
    const s = ev('Softmax', { dim }, x);
    const l = ev('LogSoftmax', { dim }, x);
    near(l, Array.from(s.data, Math.log), 1e-12);
    const d = dim < 0 ? dim + 4 : dim;
    const inner = x.shape.slice(d + 1).reduce((p, v) => p * v, 1);
    const len = x.shape[d];
    for (let o = 0; o < x.data.length / (len * inner); o++)
      for (let i = 0; i < inner; i++) {
        let sum = 0;
        for (let k = 0; k < len; k++) sum += s.data[(o * len + k) * inner + i];
        assert.ok(Math.abs(sum - 1) < 1e-14, `dim ${dim}: sums to ${sum}`);
      }
  }
});

test('Dropout: identity in eval, x * mask / (1 - p) in train', () => {
  const x = t([1, 4], [1, 2, 3, 4]);
  near(referenceForward('Dropout', { p: 0.5 }, [x], {}, 'eval'), [1, 2, 3, 4]);
  const mask = t([1, 4], [1, 0, 1, 1]);
  near(referenceForward('Dropout', { p: 0.5 }, [x], {}, 'train', { dropoutMask: mask }), [2, 0, 6, 8]);
  near(referenceForward('Dropout', { p: 0.75 }, [x], {}, 'train', { dropoutMask: mask }), [4, 0, 12, 16]);
  assert.throws(() => referenceForward('Dropout', { p: 0.5 }, [x], {}, 'train'), /mask/);
  const m = randomMask([1000], mulberry32(9), 0.3);
  const kept = m.data.reduce((s, v) => s + v, 0);
  assert.ok(kept > 620 && kept < 780, `kept ${kept}`);
});

test('BatchNorm: train uses batch statistics, eval the running ones; running update is unbiased', () => {
  // BatchNorm1d, x = [0, 0, 2, 2]: mean 1, biased variance 1; eps 3 -> divide by 2.
  const x = t([4, 1], [0, 0, 2, 2]);
  const params = {
    weight: t([1], [2]),
    bias: t([1], [1]),
    running_mean: t([1], [0]),
    running_var: t([1], [1]),
  };
  const attrs = { eps: 3, momentum: 0.1 };
  near(referenceForward('BatchNorm1d', attrs, [x], params, 'train'), [0, 0, 2, 2]);
  // Eval: (x - 0) / sqrt(1 + 3) * 2 + 1 = x + 1.
  near(referenceForward('BatchNorm1d', attrs, [x], params, 'eval'), [1, 1, 3, 3]);
  // Running: 0.9 * 0 + 0.1 * 1 = 0.1; unbiased variance 4/3: 0.9 * 1 + 0.1 * 4/3.
  const up = batchNormRunningUpdate('BatchNorm1d', attrs, x, params);
  near(up.running_mean, [0.1], 1e-15);
  near(up.running_var, [0.9 + 0.4 / 3], 1e-15);
  // Without tracking, eval also uses the batch statistics.
  near(
    referenceForward(
      'BatchNorm1d',
      { ...attrs, track_running_stats: false },
      [x],
      { weight: params.weight, bias: params.bias },
      'eval',
    ),
    [0, 0, 2, 2],
  );
  // BatchNorm2d, x [2, 2, 1, 2]: channel 0 = {3, 3, 3, -5} (mean 1, var 12), channel 1 = {0, 0, 0, 8}
  // (mean 2, var 12); eps 4 -> divide by 4. Layout: n0c0 [3, 3], n0c1 [0, 0], n1c0 [3, -5], n1c1 [0, 8].
  const x2 = t([2, 2, 1, 2], [3, 3, 0, 0, 3, -5, 0, 8]);
  const a2 = { eps: 4, momentum: 0.5 };
  near(
    referenceForward(
      'BatchNorm2d',
      { ...a2, affine: false },
      [x2],
      { running_mean: t([2]), running_var: t([2], [1, 1]) },
      'train',
    ),
    [0.5, 0.5, -0.5, -0.5, 0.5, -1.5, -0.5, 1.5],
  );
  const p2 = {
    weight: t([2], [2, 10]),
    bias: t([2], [0, 1]),
    running_mean: t([2]),
    running_var: t([2], [1, 1]),
  };
  near(referenceForward('BatchNorm2d', a2, [x2], p2, 'train'), [1, 1, -4, -4, 1, -3, -4, 16]);
  const up2 = batchNormRunningUpdate('BatchNorm2d', a2, x2, p2);
  // Unbiased variance 12 * 4/3 = 16: 0.5 * 1 + 0.5 * 16 = 8.5.
  near(up2.running_mean, [0.5, 1]);
  near(up2.running_var, [8.5, 8.5]);
  // Eval with running mean 0, var 1, eps 4: x / sqrt(5) * w + b.
  near(
    referenceForward('BatchNorm2d', a2, [x2], p2, 'eval'),
    [3, 3, 0, 0, 3, -5, 0, 8].map((v, i) => {
      const c = Math.floor(i / 2) % 2;
      return (v / Math.sqrt(5)) * [2, 10][c] + [0, 1][c];
    }),
  );
  // BatchNorm1d on (N, C, L) reduces over N and L.
  const x3 = t([2, 1, 2], [0, 0, 2, 2]);
  near(referenceForward('BatchNorm1d', { eps: 3 }, [x3], params, 'train'), [0, 0, 2, 2]);
  assert.throws(
    () => referenceForward('BatchNorm1d', {}, [t([1, 2], [1, 2])], {}, 'train'),
    /more than 1 value/,
  );
});

test('LayerNorm: all trailing dims, the last dim, affine and no bias', () => {
  const x = t([1, 2, 2], [1, 3, 5, 7]);
  // Over all 4: mean 4, variance 5; eps 4 -> divide by 3.
  near(ev('LayerNorm', { eps: 4, elementwise_affine: false }, x), [-1, -1 / 3, 1 / 3, 1]);
  // Over the last dim: rows [1, 3] and [5, 7], mean +-1, variance 1; eps 3 -> divide by 2.
  const w = t([2], [2, 4]);
  const b = t([2], [1, 0]);
  near(ev('LayerNorm', { normalized_shape: [2], eps: 3 }, x, { weight: w, bias: b }), [0, 2, 0, 2]);
  near(ev('LayerNorm', { normalized_shape: [2], eps: 3, bias: false }, x, { weight: w }), [-1, 2, -1, 2]);
  near(ev('LayerNorm', { eps: 4 }, x, { weight: t([2, 2], [1, 1, 1, 3]), bias: t([2, 2], [0, 0, 0, 1]) }), [
    -1,
    -1 / 3,
    1 / 3,
    4,
  ]);
  assert.throws(() => ev('LayerNorm', { normalized_shape: [3] }, x), /trailing/);
});

test('Linear on any rank, Add of n inputs, Concat along a dim, Input', () => {
  // x [1, 2, 3], W [[1, 0, -1], [2, 2, 2]], b [10, 0].
  const x = t([1, 2, 3], [1, 2, 3, 4, 5, 6]);
  const params = { weight: t([2, 3], [1, 0, -1, 2, 2, 2]), bias: t([2], [10, 0]) };
  near(ev('Linear', { out_features: 2 }, x, params), [8, 12, 8, 30], 0, [1, 2, 2]);
  near(ev('Linear', { out_features: 2, bias: false }, x, { weight: params.weight }), [-2, 12, -2, 30]);
  assert.throws(() => ev('Linear', { out_features: 3 }, x, params), /weight has shape/);
  const a = t([1, 2], [1, 2]);
  const b = t([1, 2], [10, 20]);
  const c = t([1, 2], [100, 200]);
  near(ev('Add', {}, [a, b, c]), [111, 222]);
  near(ev('Concat', {}, [a, b, c]), [1, 2, 10, 20, 100, 200], 0, [1, 6]);
  const p = t([2, 1, 2], [1, 2, 3, 4]);
  const q = t([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12]);
  near(ev('Concat', { dim: 1 }, [p, q]), [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12], 0, [2, 3, 2]);
  near(ev('Concat', { dim: -1 }, [p, p]), [1, 2, 1, 2, 3, 4, 3, 4], 0, [2, 1, 4]);
  near(ev('Input', { shape: [2] }, a), [1, 2]);
  assert.throws(() => ev('Input', { shape: [3] }, a), /Input expects/);
});

test('losses: cross-entropy, NLL, MSE, BCE with logits (mean reduction)', () => {
  near([lossForward('cross-entropy', t([1, 2], [0, 0]), t([1], [1]))], [Math.LN2], 1e-15);
  near([lossForward('cross-entropy', t([1, 3], [1, 2, 3]), t([1], [2]))], [0.40760596444438013], 1e-15);
  // Mean over the batch, and ignore_index -100 drops a row from the mean.
  near(
    [lossForward('cross-entropy', t([2, 3], [1, 2, 3, 0, 0, 0]), t([2], [2, 0]))],
    [(0.40760596444438013 + Math.log(3)) / 2],
    1e-15,
  );
  near(
    [lossForward('cross-entropy', t([2, 3], [1, 2, 3, 0, 0, 0]), t([2], [2, -100]))],
    [0.40760596444438013],
    1e-15,
  );
  // (N, C, L) logits with (N, L) targets.
  near([lossForward('cross-entropy', t([1, 2, 2], [0, 5, 0, 5]), t([1, 2], [0, 1]))], [Math.LN2], 1e-15);
  near([lossForward('nll', t([2, 2], [-1, -2, -3, -4]), t([2], [0, 1]))], [2.5]);
  near([lossForward('mse', t([2], [1, 2]), t([2], [0, 0]))], [2.5]);
  // BCE: x = 0, t = 1 -> ln 2; x = 1000, t = 0 -> 1000; x = -1000, t = 0 -> 0 (no overflow).
  near(
    [lossForward('bce-with-logits', t([3], [0, 1000, -1000]), t([3], [1, 0, 0]))],
    [(Math.LN2 + 1000) / 3],
    1e-15,
  );
  near(
    [lossForward('bce-with-logits', t([1], [2]), t([1], [0.25]))],
    [-(0.25 * Math.log(1 / (1 + Math.exp(-2))) + 0.75 * Math.log(1 - 1 / (1 + Math.exp(-2))))],
    1e-14,
  );
  assert.throws(() => lossForward('cross-entropy', t([1, 2], [0, 0]), t([1], [2])), /class index/);
});

test('numericGradient: central differences match analytic loss gradients', () => {
  const rng = mulberry32(21);
  const x = new Float64Array([0.5, -1.5, 2]);
  near(
    numericGradient(() => x.reduce((s, v) => s + v * v, 0), x),
    [1, -3, 4],
    1e-8,
  );
  assert.deepEqual(Array.from(x), [0.5, -1.5, 2]); // restored
  // d CE / d logits = (softmax - onehot) / N.
  const logits = randomTensor([3, 4], rng, 2);
  const target = t([3], [0, 3, 1]);
  const g = numericGradient(() => lossForward('cross-entropy', logits, target), logits.data);
  const s = ev('Softmax', {}, logits);
  near(
    g,
    Array.from(s.data, (v, i) => (v - (i % 4 === target.data[Math.floor(i / 4)] ? 1 : 0)) / 3),
    1e-8,
  );
  // d BCE / d x = (sigmoid(x) - t) / n; d MSE / d o = 2 (o - t) / n.
  const z = randomTensor([5], rng, 3);
  const y = randomTensor([5], rng).data.map((v) => (v + 1) / 2);
  const yt = t([5], y);
  near(
    numericGradient(() => lossForward('bce-with-logits', z, yt), z.data),
    Array.from(z.data, (v, i) => (1 / (1 + Math.exp(-v)) - y[i]) / 5),
    1e-8,
  );
  near(
    numericGradient(() => lossForward('mse', z, yt), z.data),
    Array.from(z.data, (v, i) => (2 * (v - y[i])) / 5),
    1e-8,
  );
  // Through a layer: d sum(Linear(x)) / d W[o][i] = sum over rows of x[., i].
  const xin = randomTensor([2, 3], rng);
  const w = randomTensor([2, 3], rng);
  const gw = numericGradient(
    () => ev('Linear', { out_features: 2, bias: false }, xin, { weight: w }).data.reduce((p, v) => p + v, 0),
    w.data,
  );
  near(
    gw,
    [0, 1].flatMap(() => [0, 1, 2].map((i) => xin.data[i] + xin.data[3 + i])),
    1e-8,
  );
});

test('mulberry32 and randomTensor are deterministic per seed', () => {
  const a = randomTensor([3, 4], mulberry32(42), 0.5);
  const b = randomTensor([3, 4], mulberry32(42), 0.5);
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
  assert.ok(a.data.every((v) => v >= -0.5 && v < 0.5));
  assert.notDeepEqual(Array.from(randomTensor([3, 4], mulberry32(43)).data), Array.from(a.data));
});

/** Random parameters with the shapes analyze() names (positive running variances). */
function randomParams(specs: { name: string; shape: number[] }[], rng: () => number): Params {
  const out: Params = {};
  for (const p of specs) {
    const r = randomTensor(p.shape, rng);
    if (p.name === 'running_var') r.data.forEach((v, i) => (r.data[i] = 0.5 + Math.abs(v)));
    out[p.name] = r;
  }
  return out;
}

const concrete = (s: Shape, batch: number) => s.map((d) => (d === 'N' ? batch : (d as number)));

test("every layer example: the reference's output shape is the engine's", () => {
  const rng = mulberry32(2);
  let count = 0;
  for (const def of allLayers()) {
    // Imported ONNX ops (OnnxOp) are whatever operator they hold: onnxruntime is their reference.
    if (def.shapeMayBeUnknown) continue;
    for (const ex of def.examples) {
      const attrs = withDefaults(def.type, ex.attributes);
      const inputs = ex.inputs.length ? ex.inputs.map((s) => concrete(s, 2)) : [concrete(ex.output, 2)];
      const specs =
        def.parameters?.(
          ex.inputs.map((s) => concrete(s, 2)),
          attrs as never,
        ) ?? [];
      const idPorts = def.indexInputs?.(attrs as never) ?? [];
      const y = referenceForward(
        def.type,
        ex.attributes,
        inputs.map((s, i) => (idPorts[i] ? randomIds(s, rng, idPorts[i]) : randomTensor(s, rng))),
        randomParams(specs, rng),
        'eval',
      );
      assert.deepEqual(y.shape, concrete(ex.output, 2), `${def.type}: ${ex.why}`);
      count++;
    }
  }
  assert.ok(count >= 35);
});

/** Engine output shape (batch 2) or null when the analysis reports an error. */
function engineShape(
  type: string,
  input: number[],
  attrs: Record<string, AttrValue>,
): { shape: number[] | null; params: Params } {
  const b = new GraphBuilder();
  const x = b.add('Input', { shape: input.slice(1), batch_size: input[0] });
  const id = b.add(type, attrs, x);
  const a = analyze(b.graph);
  const node = a.nodes.get(id)!;
  const ok = !a.diagnostics.some((d) => d.severity === 'error');
  return {
    shape: ok ? concrete(node.outputShape!, input[0]) : null,
    params: randomParams(node.parameters, mulberry32(1)),
  };
}

function referenceShape(
  type: string,
  input: number[],
  attrs: Record<string, AttrValue>,
  params: Params,
): number[] | null {
  try {
    return referenceForward(type, attrs, [randomTensor(input, mulberry32(0))], params, 'eval').shape;
  } catch {
    return null;
  }
}

test('random conv/pool configurations: reference and engine agree on output shapes and on what is invalid', () => {
  const rng = mulberry32(7);
  const ri = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)];
  const cases: [string, number[], Record<string, AttrValue>][] = [];
  for (let i = 0; i < 400; i++) {
    const axes = pick([1, 2]);
    const spatial = Array.from({ length: axes }, () => ri(1, 9));
    // Conv1d's (before, after) padding and oversized ceil-mode pool windows are left out: see the
    // todo tests below.
    const padding = pick<AttrValue>([
      ri(0, 2),
      'same',
      'valid',
      Array.from({ length: axes }, () => ri(0, 2)),
      ...(axes === 2 ? [Array.from({ length: 4 }, () => ri(0, 2))] : []),
    ]);
    const groups = ri(1, 2);
    cases.push([
      axes === 1 ? 'Conv1d' : 'Conv2d',
      [2, 2 * ri(1, 2), ...spatial],
      {
        out_channels: 2 * ri(1, 2),
        kernel_size: ri(1, 4),
        stride: ri(1, 3),
        dilation: ri(1, 2),
        padding,
        groups,
      },
    ]);
    cases.push([
      'ConvTranspose2d',
      [1, 2, ri(1, 5), ri(1, 5)],
      {
        out_channels: 2,
        kernel_size: ri(1, 4),
        stride: ri(1, 3),
        padding: ri(0, 2),
        output_padding: ri(0, 2),
        dilation: ri(1, 2),
        groups,
      },
    ]);
    const k = [ri(1, 4), ri(1, 4)];
    const hw = [ri(1, 8), ri(1, 8)].map((v, j) => Math.max(v, k[j])); // window fits the input
    const pool = {
      kernel_size: k,
      stride: pick([null, ri(1, 3)]),
      padding: ri(0, 2),
      ceil_mode: rng() < 0.5,
    };
    cases.push(['MaxPool2d', [1, 1, ...hw], pool]);
    cases.push(['AvgPool2d', [1, 1, ...hw], { ...pool, count_include_pad: rng() < 0.5 }]);
  }
  let valid = 0;
  for (const [type, input, attrs] of cases) {
    const e = engineShape(type, input, attrs);
    const r = referenceShape(type, input, attrs, e.params);
    assert.deepEqual(r, e.shape, `${type} ${JSON.stringify(attrs)} on [${input.join(', ')}]`);
    if (r) valid++;
  }
  assert.ok(valid > 800, `only ${valid} valid cases`);
});

// Places where the engine's layer definitions once disagreed with PyTorch.
test('Conv1d padding (before, after) is honoured by the engine', () => {
  const e = engineShape('Conv1d', [1, 1, 5], { out_channels: 1, kernel_size: 3, padding: [0, 2] });
  assert.deepEqual(e.shape, [1, 1, 5]);
});

test('MaxPool2d padding is limited to half the undilated kernel, as in PyTorch', () => {
  assert.equal(
    referenceShape('MaxPool2d', [1, 1, 7, 7], { kernel_size: 3, dilation: 2, padding: 2 }, {}),
    null,
  );
  assert.equal(
    engineShape('MaxPool2d', [1, 1, 7, 7], { kernel_size: 3, dilation: 2, padding: 2 }).shape,
    null,
  );
});

test('ceil_mode pools accept a window larger than the input when the output is >= 1', () => {
  const attrs = { kernel_size: 3, stride: 3, ceil_mode: true };
  assert.deepEqual(referenceShape('AvgPool2d', [1, 1, 1, 7], attrs, {}), [1, 1, 1, 3]);
  assert.deepEqual(engineShape('AvgPool2d', [1, 1, 1, 7], attrs).shape, [1, 1, 1, 3]);
});

function edgesReversed(g: Graph): Graph {
  return { nodes: g.nodes, edges: [...g.edges].reverse() };
}

test('referenceGraphForward: a residual, concatenating graph equals the layers applied by hand', () => {
  const b = new GraphBuilder();
  const x = b.input([2, 4, 4]);
  const c1 = b.add('Conv2d', { out_channels: 3, kernel_size: 3, padding: 1 }, x);
  const bn = b.add('BatchNorm2d', {}, c1);
  const r = b.add('ReLU', {}, bn);
  const sc = b.add('Conv2d', { out_channels: 3, kernel_size: 1, bias: false }, x);
  const add = b.add('Add', {}, [r, sc]);
  const cat = b.add('Concat', { dim: 1 }, [sc, add]); // port 0 = shortcut
  const pool = b.add('MaxPool2d', { kernel_size: 2 }, cat);
  const flat = b.add('Flatten', {}, pool);
  const drop = b.add('Dropout', { p: 0.25 }, flat);
  const lin = b.add('Linear', { out_features: 3 }, drop);
  const out = b.add('LogSoftmax', {}, lin);
  const graph = edgesReversed(b.graph);
  const analysis = analyze(graph);
  assert.equal(analysis.diagnostics.filter((d) => d.severity === 'error').length, 0);
  const rng = mulberry32(99);
  const params: Record<string, Params> = {};
  for (const [id, n] of analysis.nodes) params[id] = randomParams(n.parameters, rng);
  const feed = randomTensor([3, 2, 4, 4], rng);
  const mask = randomMask([3, 24], rng, 0.25);
  const attrsOf = (id: string) => graph.nodes.find((n) => n.id === id)!.attributes;
  for (const mode of ['eval', 'train'] as const) {
    const f = (id: string, xs: RefTensor[]) =>
      referenceForward(graph.nodes.find((n) => n.id === id)!.type, attrsOf(id), xs, params[id] ?? {}, mode, {
        dropoutMask: mask,
      });
    const h1 = f(c1, [feed]);
    const h2 = f(r, [f(bn, [h1])]);
    const s = f(sc, [feed]);
    const sum = f(add, [h2, s]);
    const joined = f(cat, [s, sum]);
    const expected = f(out, [f(lin, [f(drop, [f(flat, [f(pool, [joined])])])])]);
    const all = referenceGraphForward(graph, params, { [x]: feed }, mode, { dropoutMasks: { [drop]: mask } });
    assert.equal(maxAbsDiff(all[cat].data, joined.data), 0);
    assert.equal(maxAbsDiff(all[out].data, expected.data), 0);
    for (const [id, n] of analysis.nodes) assert.deepEqual(all[id].shape, concrete(n.outputShape!, 3), id);
    if (mode === 'train') {
      const ups = referenceGraphRunningUpdates(
        graph,
        params,
        { [x]: feed },
        { dropoutMasks: { [drop]: mask } },
      );
      assert.deepEqual(Object.keys(ups), [bn]);
      const direct = batchNormRunningUpdate('BatchNorm2d', attrsOf(bn), h1, params[bn]);
      assert.deepEqual(Array.from(ups[bn].running_var.data), Array.from(direct.running_var.data));
    }
  }
  // Train mode differs from eval (batch statistics, dropout).
  const ev1 = referenceGraphForward(graph, params, { [x]: feed }, 'eval');
  const tr1 = referenceGraphForward(graph, params, { [x]: feed }, 'train', {
    dropoutMasks: { [drop]: mask },
  });
  assert.ok(maxAbsDiff(ev1[out].data, tr1[out].data) > 1e-6);
  assert.throws(() => referenceGraphForward(graph, params, {}, 'eval'), /no feed/);
});
