// ONNX through HostApi (importOnnx / exportOnnx) over the RPC, as the renderer calls them: an
// exported LeNet-5 runs in onnxruntime, problems come back as sentences, an imported classic
// network arrives laid out with no two layers on top of each other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { createHostService } from '../../host/hostService.ts';
import { HostError } from '../../protocol/hostApi.ts';
import { connectRpc, memoryPortPair, serveRpc } from '../../protocol/rpc.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { FIXTURES } from '../helpers/onnxCases.ts';
import { tempDir } from '../helpers/tempDir.ts';
import { importOnnxBytes, readOffered } from '../helpers/host.ts';

const light = join(FIXTURES, 'light');

function client() {
  const dir = tempDir('netwright-onnx-');
  const [hostSide, clientSide] = memoryPortPair();
  serveRpc(createHostService({ dataDir: join(dir, 'data') }), hostSide);
  return connectRpc(clientSide).api;
}

describe('When the renderer exports ONNX through the host', () => {
  it('LeNet-5 comes back as an ONNX file that onnxruntime runs to a [1, 10] output', async () => {
    const api = client();
    const result = await api.exportOnnx(loadTemplate('lenet5'), { opset: 17 });
    assert.ok(result.ok);
    assert.equal(result.fileName, 'lenet-5.onnx');
    const bytes = await readOffered(api, result.transfer);
    assert.equal(bytes.length, result.bytes);
    const session = await ort.InferenceSession.create(bytes);
    const x = new ort.Tensor('float32', new Float32Array(28 * 28).fill(0.5), [1, 1, 28, 28]);
    const out = await session.run({ [session.inputNames[0]]: x });
    assert.deepEqual(out[session.outputNames[0]].dims, [1, 10]);
  });

  it('a model that cannot be exported gets the reasons, not a file', async () => {
    const doc = loadTemplate('lenet5');
    const broken = { ...doc, graph: { ...doc.graph, edges: doc.graph.edges.slice(1) } };
    const result = await client().exportOnnx(broken, { opset: 11 });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.problems.some((p) => /opset 11 is not supported/.test(p)));
    assert.ok(!result.ok && result.problems.some((p) => /nothing connected/.test(p)));
  });
});

describe('When the renderer imports ONNX through the host', () => {
  it('AlexNet arrives laid out top-down, and no two layers overlap', async () => {
    const bytes = readFileSync(join(light, 'light_bvlc_alexnet.onnx'));
    const { document } = await importOnnxBytes(client(), bytes, { fileName: 'light_bvlc_alexnet.onnx' });
    assert.equal(document.name, 'light_bvlc_alexnet');
    // Its convolutions arrive as three collapsed stages and its classifier (graph/chainStages.ts);
    // what is drawn is the layers outside them.
    assert.deepEqual(
      document.groups?.map((g) => g.collapsed && g.title),
      [
        'Stage 1 at 54×54 (4 layers)',
        'Stage 2 at 26×26 (4 layers)',
        'Stage 3 at 12×12 (7 layers)',
        'Head (8 layers)',
      ],
    );
    const hidden = new Set(document.groups!.flatMap((g) => g.members));
    const nodes = document.graph.nodes.filter((n) => !hidden.has(n.id));
    assert.ok(nodes.length >= 3);
    const boxes = nodes.map((n) => ({ x: n.position.x, y: n.position.y, w: 220, h: 62 }));
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        assert.ok(!overlap, `${nodes[i].name} and ${nodes[j].name} overlap`);
      }
    // Every edge runs downwards: between the layers drawn, and inside each block when expanded.
    const y = new Map(document.graph.nodes.map((n) => [n.id, n.position.y]));
    const blockOf = new Map(document.groups!.flatMap((g) => g.members.map((m) => [m, g.id])));
    const drawnOrInside = document.graph.edges.filter((e) => blockOf.get(e.source) === blockOf.get(e.target));
    assert.ok(drawnOrInside.length >= 20);
    for (const e of drawnOrInside) assert.ok(y.get(e.source)! < y.get(e.target)!);
  });

  it('bytes that are not an ONNX model are refused with a reason', async () => {
    await assert.rejects(
      importOnnxBytes(client(), Buffer.from('not a model at all')),
      (e: unknown) => e instanceof HostError && e.code === 'invalid-onnx',
    );
  });
});
