// Weights the host holds for the page, read and edited through HostApi as the inspector does:
// heldTensor's slice is the file's values and its statistics match numpy's over every value
// (a 5 M-value tensor, so the statistics pass pauses between slices); the slice is bounded;
// an edit is a new version while the old one stays for undo; old models are evicted whole.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeFloat32, encodeFloat32, GraphBuilder, newDocument } from '../../engine/index.ts';
import { HeldWeights } from '../../host/heldWeights.ts';
import { createHostService } from '../../host/hostService.ts';
import { MAX_SLICE_VALUES } from '../../protocol/heldWeights.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { connectRpc, memoryPortPair, serveRpc } from '../../protocol/rpc.ts';
import { FIXTURES, noFixtures } from '../helpers/onnxCases.ts';
import { runPythonJson } from '../helpers/python.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { connectedHost, importOnnxBytes, readOffered } from '../helpers/host.ts';

const NUMPY_STATS = `
import json, sys
import numpy as np
x = np.fromfile(sys.argv[1], dtype='<f4').astype(np.float64)
counts, _ = np.histogram(x, bins=int(sys.argv[2]), range=(x.min(), x.max()))
print(json.dumps({'min': x.min(), 'max': x.max(), 'mean': x.mean(), 'std': x.std(), 'counts': counts.tolist()}))
`;
const ONNX_TENSOR = `
import json, sys
import onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
t = next(i for i in m.graph.initializer if i.name == sys.argv[2])
print(json.dumps(numpy_helper.to_array(t).astype(float).ravel().tolist()))
`;

/** The scale of the model's first BatchNormalization (res_conv1_bn). */
const FIRST_BN_SCALE = `
import json, sys
import onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
bn = next(n for n in m.graph.node if n.op_type == 'BatchNormalization')
t = next(i for i in m.graph.initializer if i.name == bn.input[1])
print(json.dumps(numpy_helper.to_array(t).astype(float).ravel().tolist()))
`;

function client() {
  const dir = tempDir('netwright-held-');
  const [hostSide, clientSide] = memoryPortPair();
  serveRpc(createHostService({ dataDir: join(dir, 'data') }), hostSide);
  return connectRpc(clientSide).api;
}

/** A seeded, roughly normal tensor (no Math.random: the run repeats). */
function seeded(n: number): Float32Array {
  const out = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const u = s / 2 ** 32;
    out[i] = (u - 0.5) * (u < 0.1 ? 9 : 1);
  }
  return out;
}

describe('The host’s held weights', () => {
  it('give a bounded slice and numpy’s statistics of a 5 M-value tensor', async () => {
    const held = new HeldWeights();
    const values = seeded(5_000_000);
    const ref = held.hold(new Map([['fc', new Map([['weight', { shape: [5000, 1000], values }]])]]));
    const t = await held.read({
      weightsRef: ref,
      nodeId: 'fc',
      param: 'weight',
      offset: 4_999_990,
      count: 100,
    });
    assert.ok(t.found);
    assert.deepEqual(Array.from(decodeFloat32(t.values)), Array.from(values.subarray(4_999_990)));
    const file = join(tempDir('netwright-held-'), 'w.f32');
    writeFileSync(file, values);
    const want = runPythonJson<{ min: number; max: number; mean: number; std: number; counts: number[] }>(
      NUMPY_STATS,
      [file, '32'],
    );
    assert.equal(t.stats.min, want.min);
    assert.equal(t.stats.max, want.max);
    assert.ok(Math.abs(t.stats.mean! - want.mean) <= 1e-9, `mean ${t.stats.mean} vs ${want.mean}`);
    assert.ok(Math.abs(t.stats.std! - want.std) <= 1e-9 * want.std, `std ${t.stats.std} vs ${want.std}`);
    assert.equal(t.stats.count, values.length);
    // Edges in float64 on both sides; a value on an edge may land either side.
    t.stats.histogram.counts.forEach((c, i) => assert.ok(Math.abs(c - want.counts[i]) <= 2, `bin ${i}`));
    await assert.rejects(
      held.read({ weightsRef: ref, nodeId: 'fc', param: 'weight', count: MAX_SLICE_VALUES + 1 }),
      /262144/,
    );
    await assert.rejects(
      held.read({ weightsRef: ref, nodeId: 'fc', param: 'weight', offset: 6_000_000, count: 1 }),
      /past the end of fc.weight/,
    );
    assert.deepEqual(await held.read({ weightsRef: ref, nodeId: 'fc', param: 'bias', count: 1 }), {
      found: false,
    });
  });

  it('keep each edit as a version (the old one stays for undo) and evict old models whole', async () => {
    const held = new HeldWeights();
    const w = new Map([
      ['conv', new Map([['weight', { shape: [2, 2], values: Float32Array.of(1, 2, 3, 4) }]])],
    ]);
    const first = held.hold(w);
    const edited = held.edit({
      weightsRef: first,
      nodeId: 'conv',
      set: { weight: { shape: [2, 2], values: encodeFloat32(Float32Array.of(9, 2, 3, 4)) } },
    });
    const read = async (ref: string) => {
      const t = await held.read({ weightsRef: ref, nodeId: 'conv', param: 'weight', count: 4 });
      return t.found ? Array.from(decodeFloat32(t.values)) : null;
    };
    assert.deepEqual(await read(edited), [9, 2, 3, 4]);
    assert.deepEqual(await read(first), [1, 2, 3, 4]);
    const cleared = held.edit({ weightsRef: edited, nodeId: 'conv', clear: true });
    assert.equal(await read(cleared), null);
    assert.throws(
      () =>
        held.edit({
          weightsRef: first,
          nodeId: 'conv',
          set: { weight: { shape: [3], values: encodeFloat32(Float32Array.of(1)) } },
        }),
      /1 values do not fill the shape \[3\]/,
    );
    // Four more models: the first (with its versions) goes, the newest stay.
    const later = [1, 2, 3, 4].map(() => held.hold(w));
    for (const ref of [first, edited, cleared])
      await assert.rejects(
        read(ref),
        (e: HostError) => e.code === 'not-found' && /Open the .netwright or .onnx file again/.test(e.message),
      );
    assert.deepEqual(await read(later[0]), [1, 2, 3, 4]);
  });

  it(
    'of an imported ResNet-50 are the file’s, through HostApi; an edit reaches the export',
    { skip: noFixtures },
    async () => {
      const api = client();
      const file = join(FIXTURES, 'light', 'light_resnet50.onnx');
      const { document } = await importOnnxBytes(api, readFileSync(file), { fileName: 'r.onnx' });
      assert.ok(document.weightsRef);
      assert.equal(document.weights, undefined);
      const fromFile = runPythonJson<number[]>(ONNX_TENSOR, [file, 'gpu_0/res_conv1_bn_s_0']);
      const t = await api.heldTensor({
        weightsRef: document.weightsRef,
        nodeId: 'batchnorm2d_1',
        param: 'weight',
        count: 64,
      });
      assert.ok(t.found);
      assert.deepEqual(t.shape, [64]);
      assert.deepEqual(Array.from(decodeFloat32(t.values)), fromFile);
      await assert.rejects(
        api.heldTensor({
          weightsRef: document.weightsRef,
          nodeId: 'x',
          param: 'weight',
          count: MAX_SLICE_VALUES + 1,
        }),
        (e: HostError) => e.code === 'bad-request' && /count/.test(e.message),
      );
      const gamma = Float32Array.from(fromFile, (v, i) => (i === 3 ? -7 : v));
      const { weightsRef } = await api.editHeldWeights({
        weightsRef: document.weightsRef,
        nodeId: 'batchnorm2d_1',
        set: { weight: { shape: [64], values: encodeFloat32(gamma) } },
      });
      const exported = await api.exportOnnx({ ...document, weightsRef }, {});
      assert.ok(exported.ok);
      const written = join(tempDir('netwright-held-'), 'e.onnx');
      writeFileSync(written, await readOffered(api, exported.transfer));
      assert.deepEqual(runPythonJson<number[]>(FIRST_BN_SCALE, [written]), Array.from(gamma));
    },
  );
  it('live in shared memory, and a run trained from them leaves them as they were', async () => {
    // An MLP over 8 MiB of weights, so the host holds them.
    const b = new GraphBuilder();
    b.chain(b.input([2]), [
      ['Linear', { out_features: 2048 }],
      ['ReLU'],
      ['Linear', { out_features: 1100 }],
      ['ReLU'],
      ['Linear', { out_features: 3 }],
    ]);
    const doc = newDocument('Wide MLP', b.graph);

    // Held tensors are shared with every job instead of cloned; nothing may write into them.
    const held = new HeldWeights();
    const bias = { shape: [3], values: Float32Array.of(1, 2, 3) };
    const ref = held.hold(new Map([['linear_3', new Map([['bias', bias]])]]));
    const shared = held.attach({ ...doc, weightsRef: ref }).weights!.linear_3.bias.values!;
    assert.ok(shared.buffer instanceof SharedArrayBuffer);
    assert.deepEqual(Array.from(shared), [1, 2, 3]);

    // Kept from a first run, the weights are held; a second run starts from them and trains,
    // and the held ones stay bit for bit what they were.
    const host = connectedHost();
    const dataset = { kind: 'synthetic', generator: 'blobs', n: 64, classes: 3, seed: 1 } as const;
    const config = {
      epochs: 1,
      batchSize: 32,
      loss: 'cross-entropy',
      optimizer: { kind: 'sgd' },
      lr: 0.05,
      seed: 1,
    } as const;
    const first = await host.client.startTraining({ document: doc, dataset, config });
    await host.finished(first.runId);
    const kept = await host.client.keepTrainedWeights(first.runId);
    assert.ok('weightsRef' in kept, 'over 8 MiB of weights are held');
    const read = async () => {
      const t = await host.client.heldTensor({ ...kept, nodeId: 'linear_2', param: 'weight', count: 4096 });
      assert.ok(t.found);
      return { values: t.values, stats: t.stats };
    };
    const before = await read();
    const second = await host.client.startTraining({ document: { ...doc, ...kept }, dataset, config });
    await host.finished(second.runId);
    const after = await read();
    assert.equal(after.values, before.values);
    assert.deepEqual(after.stats, before.stats);
    const trained = (await host.client.trainedWeights(second.runId)).linear_2.weight.data;
    assert.notEqual(
      decodeFloat32(trained).subarray(0, 4096).join(),
      decodeFloat32(before.values).join(),
      'the run trained its own copy of the weights',
    );
  });
});
