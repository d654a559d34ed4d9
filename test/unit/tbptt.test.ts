// Truncated BPTT in the train step: the recurrent state carried from one window to the next,
// detached. Checked against real PyTorch (h = h.detach() between windows: both windows' losses,
// the second window's gradients, SGD-momentum and Adam updates) and the carried-state backward
// against central differences of the float64 reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OptimizerConfig, WeightMap } from '../../engine/index.ts';
import { analyze, compileTrainStep, GraphBuilder, resolveWeights } from '../../engine/index.ts';
import { StepSession } from '../../host/training/session.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';
import { recurrent } from '../helpers/reference/sequence.ts';
import { refTensor } from '../helpers/reference/tensor.ts';

const [N, STEPS, FEATURES, H] = [3, 4, 2, 5];

function model(kind: 'LSTM' | 'GRU', layers: number) {
  const b = new GraphBuilder();
  b.chain(b.input([STEPS, FEATURES]), [
    [kind, { hidden_size: H, num_layers: layers }],
    ['Flatten'],
    ['Linear', { out_features: 2 }],
  ]);
  return b.graph;
}

const wave = (n: number, f: number, phase: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(f * i + phase));

/** Two consecutive windows of three streams, each with its own targets. */
const WINDOWS = [0, 1].map((k) => ({
  x: wave(N * STEPS * FEATURES, 0.7, k),
  y: wave(N * 2, 1.3, 2 * k),
}));

const plain = (w: WeightMap) =>
  Object.fromEntries([...w].map(([id, m]) => [id, Object.fromEntries([...m].map(([p, v]) => [p, [...v]]))]));

const TORCH_TBPTT = `
import json, sys, torch
torch.manual_seed(0)
spec = json.load(open(sys.argv[1]))
N, L, F, H = spec['sizes']
rnn = getattr(torch.nn, spec['kind'])(F, H, num_layers=spec['layers'], batch_first=True).double()
lin = torch.nn.Linear(L * H, 2).double()
w = spec['weights']
with torch.no_grad():
    for name, p in rnn.named_parameters(): p.copy_(torch.tensor(w[spec['rnn']][name]).view_as(p))
    lin.weight.copy_(torch.tensor(w[spec['linear']]['weight']).view_as(lin.weight))
    lin.bias.copy_(torch.tensor(w[spec['linear']]['bias']))
params = list(rnn.parameters()) + list(lin.parameters())
opt = spec['optimizer']
if opt == 'adam': optim = torch.optim.Adam(params, lr=spec['lr'])
elif opt == 'momentum': optim = torch.optim.SGD(params, lr=spec['lr'], momentum=0.9)
else: optim = torch.optim.SGD(params, lr=0.0)
state, losses, grads = None, [], {}
for win in spec['windows']:
    x = torch.tensor(win['x']).double().view(N, L, F)
    y = torch.tensor(win['y']).double().view(N, 2)
    optim.zero_grad()
    out, state = rnn(x, state)
    loss = torch.nn.functional.mse_loss(lin(out.reshape(N, -1)), y)
    loss.backward()
    losses.append(loss.item())
    grads = {n: p.grad.flatten().tolist() for n, p in rnn.named_parameters()}
    optim.step()
    # Truncation: the next window starts from the state's value, with no path back into this one.
    state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
states = state if isinstance(state, tuple) else (state,)
print(json.dumps({'losses': losses, 'grads': grads,
  'params': {n: p.detach().flatten().tolist() for n, p in rnn.named_parameters()},
  'states': [s.flatten().tolist() for s in states]}))
`;

interface TorchTbptt {
  losses: number[];
  grads: Record<string, number[]>;
  params: Record<string, number[]>;
  states: number[][];
}

function close(actual: ArrayLike<number>, expected: number[], what: string, tol = 1e-4) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(1e-3, ...expected.map(Math.abs));
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol * scale,
      `${what}[${i}]: ${actual[i]} vs PyTorch ${expected[i]}`,
    );
}

async function ours(kind: 'LSTM' | 'GRU', layers: number, optimizer: OptimizerConfig | null, lr: number) {
  const graph = model(kind, layers);
  const weights = resolveWeights(analyze(graph), undefined, 7);
  const step = compileTrainStep(graph, {
    batchSize: N,
    loss: 'mse',
    carryState: true,
    ...(optimizer ? { optimizer } : {}),
  });
  const session = await StepSession.create(step, weights);
  const id = step.dataInputs[0].nodeId;
  const results = [];
  for (const w of WINDOWS) results.push(await session.run(new Map([[id, w.x]]), w.y, { lr }));
  const out = { step, weights, results, after: session.weights(), carried: session.carried() };
  await session.release();
  return out;
}

function torchRun(
  kind: 'LSTM' | 'GRU',
  layers: number,
  weights: WeightMap,
  optimizer: string,
  lr: number,
): TorchTbptt {
  const dir = mkdtempSync(join(tmpdir(), 'nw-tbptt-'));
  const file = join(dir, 'spec.json');
  const rnn = kind === 'LSTM' ? 'lstm_1' : 'gru_1';
  writeFileSync(
    file,
    JSON.stringify({
      kind,
      layers,
      sizes: [N, STEPS, FEATURES, H],
      rnn,
      linear: 'linear_1',
      weights: plain(weights),
      optimizer,
      lr,
      windows: WINDOWS.map((w) => ({ x: [...w.x], y: [...w.y] })),
    }),
  );
  return runPythonJson<TorchTbptt>(TORCH_TBPTT, [file]);
}

for (const [kind, layers] of [
  ['LSTM', 2],
  ['GRU', 1],
] as const) {
  test(`${kind} (${layers} layer${layers > 1 ? 's' : ''}) carried, detached state: both windows' losses, the second window's gradients and final state equal PyTorch's`, async (t) => {
    if (!needTorch(t)) return;
    const run = await ours(kind, layers, null, 0);
    const names = kind === 'LSTM' ? ['h0', 'c0'] : ['h0'];
    assert.deepEqual(
      run.step.carried.map((c) => c.name),
      Array.from({ length: layers }, (_, l) => names.map((n) => `${n}_l${l}`)).flat(),
    );
    const torch = torchRun(kind, layers, run.weights, 'none', 0);
    close(
      run.results.map((r) => r.loss),
      torch.losses,
      'losses',
    );
    // The second window's loss differs from a zero-state run's, so the state really came in.
    const rnnId = run.step.carried[0].nodeId;
    for (const [name, g] of Object.entries(torch.grads))
      close(run.results[1].grads!.get(rnnId)!.get(name)!, g, `d${name}`);
    // PyTorch stacks its layers' final states: h_n = (layers, N, H), then c_n.
    names.forEach((n, k) => {
      const ourState = Array.from({ length: layers }, (_, l) => [
        ...run.carried.get(run.step.carried.find((c) => c.name === `${n}_l${l}`)!.input)!,
      ]).flat();
      close(ourState, torch.states[k], n);
    });
  });
}

for (const optimizer of [
  { kind: 'momentum', momentum: 0.9 },
  { kind: 'adam' },
] as const satisfies readonly OptimizerConfig[]) {
  test(`LSTM truncated BPTT with ${optimizer.kind}: two updates, one per window, land on PyTorch's parameters`, async (t) => {
    if (!needTorch(t)) return;
    const lr = 0.05;
    const run = await ours('LSTM', 1, optimizer, lr);
    const torch = torchRun('LSTM', 1, run.weights, optimizer.kind, lr);
    close(
      run.results.map((r) => r.loss),
      torch.losses,
      'losses',
    );
    for (const [name, v] of Object.entries(torch.params)) {
      close(run.after.get('lstm_1')!.get(name)!, v, name);
      assert.ok(
        v.some((x, i) => Math.abs(x - run.weights.get('lstm_1')!.get(name)![i]) > 1e-4),
        `${name} moved`,
      );
    }
  });
}

test('the backward with a carried initial state equals central differences of the float64 reference', async () => {
  for (const kind of ['LSTM', 'GRU'] as const) {
    const b = new GraphBuilder();
    b.chain(b.input([STEPS, FEATURES]), [[kind, { hidden_size: H, num_layers: 2 }]]);
    const weights = resolveWeights(analyze(b.graph), undefined, 3);
    const step = compileTrainStep(b.graph, { batchSize: N, loss: 'mse', carryState: true });
    const session = await StepSession.create(step, weights);
    const id = step.dataInputs[0].nodeId;
    const target = wave(N * STEPS * H, 0.9, 0.5);
    // A first window leaves a non-zero state; the second window's gradients are checked.
    await session.run(new Map([[id, WINDOWS[0].x]]), target, { lr: 0 });
    const initial = Object.fromEntries(
      [...session.carried()].map(([input, v]) => [
        step.carried.find((c) => c.input === input)!.name,
        refTensor([1, N, H], v),
      ]),
    );
    assert.ok(Object.values(initial).every((s) => s.data.some((v) => Math.abs(v) > 1e-2)));
    const grads = (await session.run(new Map([[id, WINDOWS[1].x]]), target, { lr: 0 })).grads!;
    await session.release();
    const nodeId = step.carried[0].nodeId;
    const params = Object.fromEntries(
      [...weights.get(nodeId)!].map(([name, v]) => [name, refTensor([v.length], v)]),
    );
    const shaped = (name: string) => {
      const spec = analyze(b.graph)
        .nodes.get(nodeId)!
        .parameters.find((p) => p.name === name)!;
      return refTensor(spec.shape as number[], params[name].data);
    };
    const loss = () => {
      const all = Object.fromEntries(Object.keys(params).map((name) => [name, shaped(name)]));
      const x = refTensor([N, STEPS, FEATURES], WINDOWS[1].x);
      const y = recurrent(kind, { hidden_size: H, num_layers: 2, batch_first: true }, x, all, initial);
      return y.data.reduce((s, v, i) => s + (v - target[i]) ** 2, 0) / y.data.length;
    };
    const eps = 1e-6;
    for (const name of Object.keys(params))
      for (const i of [0, 7, params[name].data.length - 1]) {
        const keep = params[name].data[i];
        params[name].data[i] = keep + eps;
        const up = loss();
        params[name].data[i] = keep - eps;
        const down = loss();
        params[name].data[i] = keep;
        const numeric = (up - down) / (2 * eps);
        const analytic = grads.get(nodeId)!.get(name)![i];
        assert.ok(
          Math.abs(analytic - numeric) <= 1e-5 + 1e-3 * Math.abs(numeric),
          `${kind} ${name}[${i}]: ${analytic} vs ${numeric}`,
        );
      }
  }
});
