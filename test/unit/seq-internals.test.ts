// Step through's views inside sequence layers, against real PyTorch: MultiheadAttention's
// per-head weights (need_weights=True, average_attn_weights=False) and the LSTM / GRU gates,
// recomputed in PyTorch from the module's weights step by step (the recomputation is checked to
// reproduce nn.LSTM / nn.GRU's own output before its gates are compared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getLayer, type LayerInternals } from '../../engine/index.ts';
import { needTorch, runPythonJson } from '../helpers/python.ts';
import { StepThrough } from '../../host/training/stepThrough.ts';
import {
  MAX_TENSOR_VALUES,
  MAX_VIEW_STEPS,
  nodeTensorsSchema,
  type StepThroughSetup,
} from '../../protocol/stepThrough.ts';
import { internalsView } from '../../host/training/internalsView.ts';
import { createRng } from '../../engine/data/index.ts';
import { defaultSetup } from '../../renderer/training/trainingState.ts';
import { loadTemplate } from '../helpers/templates.ts';

const SCRIPT = String.raw`
import json, sys, torch
torch.manual_seed(0)
torch.set_default_dtype(torch.float64)
out = {}
def flat(t): return t.detach().reshape(-1).tolist()

for name, causal in (('attention', False), ('causal', True)):
    m = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    with torch.no_grad():
        m.in_proj_bias.normal_()
    x = torch.randn(1, 5, 8)
    mask = torch.triu(torch.full((5, 5), float('-inf')), 1) if causal else None
    _, w = m(x, x, x, need_weights=True, average_attn_weights=False, attn_mask=mask)
    out[name] = {'x': flat(x), 'params': {'in_proj_weight': flat(m.in_proj_weight), 'in_proj_bias': flat(m.in_proj_bias)}, 'weights': flat(w[0])}

def gates_of(m, x, kind, layers, dirs, H):
    L = x.shape[1]
    inp = x[0]
    every = []
    for l in range(layers):
        nxt = torch.zeros(L, dirs * H)
        for d in range(dirs):
            sfx = '_l%d%s' % (l, '_reverse' if d else '')
            wi, wh = getattr(m, 'weight_ih' + sfx), getattr(m, 'weight_hh' + sfx)
            bi, bh = getattr(m, 'bias_ih' + sfx), getattr(m, 'bias_hh' + sfx)
            h = torch.zeros(H); c = torch.zeros(H)
            steps = [None] * L
            for k in range(L):
                t = L - 1 - k if d else k
                gi = inp[t] @ wi.T + bi
                gh = h @ wh.T + bh
                if kind == 'LSTM':
                    i, f, g, o = (gi + gh).chunk(4)
                    i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                    c = f * c + i * g
                    h = o * c.tanh()
                    steps[t] = torch.cat([i, f, g, o])
                else:
                    r = (gi[:H] + gh[:H]).sigmoid()
                    z = (gi[H:2*H] + gh[H:2*H]).sigmoid()
                    n = (gi[2*H:] + r * gh[2*H:]).tanh()
                    h = (1 - z) * n + z * h
                    steps[t] = torch.cat([r, z, n])
                nxt[t, d*H:(d+1)*H] = h
            every += [s for s in steps]
        inp = nxt
    reference = m(x)[0][0]
    assert torch.allclose(inp, reference, atol=1e-10), 'the step-by-step recomputation differs from the module'
    return torch.stack(every)

for kind, cls, layers, bidi in (('LSTM', torch.nn.LSTM, 2, True), ('GRU', torch.nn.GRU, 1, False)):
    m = cls(3, 4, num_layers=layers, bidirectional=bidi, batch_first=True)
    x = torch.randn(1, 6, 3)
    params = {k: flat(v) for k, v in m.named_parameters()}
    out[kind] = {'x': flat(x), 'params': params, 'gates': flat(gates_of(m, x, kind, layers, 2 if bidi else 1, 4))}
print(json.dumps(out))
`;

interface Case {
  x: number[];
  params: Record<string, number[]>;
  weights?: number[];
  gates?: number[];
}

let torchCases: Record<string, Case> | null = null;
const cases = () => (torchCases ??= runPythonJson<Record<string, Case>>(SCRIPT));

function internals(
  type: string,
  c: Case,
  inputShape: number[],
  attrs: Record<string, unknown>,
): LayerInternals {
  const params = new Map(Object.entries(c.params).map(([k, v]) => [k, Float32Array.from(v)]));
  const r = getLayer(type)!.internals!({
    input: Float32Array.from(c.x),
    inputShape,
    params,
    attrs: attrs as never,
  });
  assert.ok(typeof r !== 'string', String(r));
  return r;
}

function close(actual: ArrayLike<number>, expected: number[], tol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tol,
      `${what}[${i}]: ${actual[i]} vs PyTorch ${expected[i]}`,
    );
}

const attention = { embed_dim: 8, num_heads: 2, dropout: 0, bias: true, batch_first: true };

test('attention weights per head equal PyTorch’s need_weights=True, average_attn_weights=False', (t) => {
  if (!needTorch(t)) return;
  for (const [name, causal] of [
    ['attention', false],
    ['causal', true],
  ] as const) {
    const r = internals('MultiheadAttention', cases()[name], [5, 8], { ...attention, is_causal: causal });
    assert.ok(r.kind === 'attention' && r.heads === 2 && r.steps === 5);
    close(r.weights, cases()[name].weights!, 1e-5, name);
  }
});

test('LSTM (2 layers, bidirectional) and GRU gates equal PyTorch’s, recomputed from the weights', (t) => {
  if (!needTorch(t)) return;
  const lstm = internals('LSTM', cases().LSTM, [6, 3], {
    hidden_size: 4,
    num_layers: 2,
    bias: true,
    batch_first: true,
    bidirectional: true,
  });
  assert.ok(lstm.kind === 'gates');
  assert.deepEqual(
    [lstm.gates, lstm.layers, lstm.directions, lstm.steps, lstm.units],
    [['i', 'f', 'g', 'o'], 2, 2, 6, 4],
  );
  close(lstm.values, cases().LSTM.gates!, 1e-5, 'LSTM gates');
  const gru = internals('GRU', cases().GRU, [6, 3], {
    hidden_size: 4,
    num_layers: 1,
    bias: true,
    batch_first: true,
    bidirectional: false,
  });
  assert.ok(gru.kind === 'gates');
  assert.deepEqual(gru.gates, ['r', 'z', 'n']);
  close(gru.values, cases().GRU.gates!, 1e-5, 'GRU gates');
});

test('a layer that is not batch_first says why there is no view instead of showing wrong rows', () => {
  const r = getLayer('LSTM')!.internals!({
    input: new Float32Array(6),
    inputShape: [2, 3],
    params: new Map(),
    attrs: { hidden_size: 2, num_layers: 1, bias: true, batch_first: false, bidirectional: false } as never,
  });
  assert.match(String(r), /batch_first/);
});

test('Step through sends a sample’s attention map and LSTM gates, computed from the layer’s real input', async () => {
  const st = new StepThrough();
  const setup = (batchSize: number): StepThroughSetup => ({
    dataset: { kind: 'synthetic', generator: 'chars', n: 200, seed: 1 },
    config: { ...defaultSetup.config, batchSize },
  });
  const doc = loadTemplate('tiny-transformer');
  const summary = await st.run({ document: doc }, setup(8));
  const attention = summary.nodes.find((n) => n.type === 'MultiheadAttention')!;
  const sent = nodeTensorsSchema.parse(st.tensors(summary.stepId, attention.id, 3));
  const view = sent.internals!;
  assert.ok(view.kind === 'attention');
  assert.deepEqual([view.heads, view.steps, view.totalSteps], [4, 16, 16]);
  // The same numbers as the layer's own computation on the Embedding's output for sample 3.
  const embedding = summary.nodes.find((n) => n.type === 'Embedding')!;
  const input = st.tensors(summary.stepId, embedding.id, 3).forward;
  const attrs = doc.graph.nodes.find((n) => n.id === attention.id)!.attributes;
  const weights = new Map(sent.params.map((p) => [p.param, Float32Array.from(p.value.data as number[])]));
  const own = getLayer('MultiheadAttention')!.internals!({
    input: Float32Array.from(input.data as number[]),
    inputShape: input.shape,
    params: weights,
    attrs: { dropout: 0, bias: true, batch_first: true, ...attrs } as never,
  }) as Extract<LayerInternals, { kind: 'attention' }>;
  close(view.weights, Array.from(own.weights), 1e-6, 'sent vs own');
  // Causal: every row sums to 1 and gives nothing to later steps.
  for (let r = 0; r < 4 * 16; r++) {
    const row = view.weights.slice(r * 16, (r + 1) * 16);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
    assert.ok(row.slice((r % 16) + 1).every((v) => v === 0));
  }

  const lstmSummary = await st.run({ document: loadTemplate('char-lstm') }, setup(4));
  const lstm = lstmSummary.nodes.find((n) => n.type === 'LSTM')!;
  const gates = nodeTensorsSchema.parse(st.tensors(lstmSummary.stepId, lstm.id, 1));
  assert.ok(gates.internals?.kind === 'gates');
  assert.deepEqual(gates.internals.gates, ['i', 'f', 'g', 'o']);
  assert.equal(gates.internals.values.length, 16 * 4 * 64);
  // The last step's o · tanh(c) is the hidden state the LSTM output holds: rebuild c from the gates.
  const { values } = gates.internals;
  const c = new Float64Array(64);
  for (let t = 0; t < 16; t++)
    for (let u = 0; u < 64; u++) {
      const at = (g: number) => values[(t * 4 + g) * 64 + u];
      c[u] = at(1) * c[u] + at(0) * at(2);
      const h = at(3) * Math.tanh(c[u]);
      assert.ok(Math.abs(h - (gates.forward.data[t * 64 + u] as number)) < 1e-5, `h[${t}, ${u}]`);
    }
});

test('what crosses to the page is bounded: 128 attention steps, MAX_TENSOR_VALUES gate values', () => {
  const rng = createRng(5);
  const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 0.3));
  const attentionNode = {
    id: 'a',
    type: 'MultiheadAttention',
    name: 'a',
    attributes: { embed_dim: 8, num_heads: 4 },
    position: { x: 0, y: 0 },
  };
  const L = 200;
  const view = internalsView(
    getLayer('MultiheadAttention')!,
    attentionNode,
    random(L * 8),
    [L, 8],
    new Map([
      [
        'a',
        new Map([
          ['in_proj_weight', random(24 * 8)],
          ['in_proj_bias', random(24)],
        ]),
      ],
    ]),
  )!;
  assert.ok(view.kind === 'attention');
  assert.deepEqual(
    [view.steps, view.totalSteps, view.weights.length],
    [MAX_VIEW_STEPS, L, 4 * MAX_VIEW_STEPS ** 2],
  );
  const lstmNode = {
    ...attentionNode,
    id: 'l',
    type: 'LSTM',
    attributes: { hidden_size: 32, bidirectional: true },
  };
  const params = new Map(
    ['', '_reverse'].flatMap((d) => [
      [`weight_ih_l0${d}`, random(128 * 2)],
      [`weight_hh_l0${d}`, random(128 * 32)],
      [`bias_ih_l0${d}`, random(128)],
      [`bias_hh_l0${d}`, random(128)],
    ]) as [string, Float32Array][],
  );
  const gates = internalsView(
    getLayer('LSTM')!,
    lstmNode,
    random(2000 * 2),
    [2000, 2],
    new Map([['l', params]]),
  )!;
  assert.ok(gates.kind === 'gates');
  assert.equal(gates.totalSteps, 2000);
  assert.equal(gates.steps, Math.floor(MAX_TENSOR_VALUES / (2 * 4 * 32)));
  assert.ok(gates.values.length <= MAX_TENSOR_VALUES);
  nodeTensorsSchema.shape.internals.parse(gates);
});
