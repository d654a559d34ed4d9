// A train step's outputs are written by the nodes that compute them, not copied by an Identity
// (engine/onnx/outputCopies.ts): the same numbers, bit for bit, as the step with the copies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { compileTrainStep } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { withoutOutputCopies } from '../../engine/onnx/outputCopies.ts';
import type { OnnxModel } from '../../engine/onnx/types.ts';
import { randomStepFeeds } from '../helpers/stepFeeds.ts';
import { loadTemplate } from '../helpers/templates.ts';

/** The model with an Identity naming every output a node computes: the form before the pass. */
function withOutputCopies(model: OnnxModel): OnnxModel {
  const g = model.graph;
  const outputs = new Set(g.outputs.map((o) => o.name));
  const raw = (name: string) => (outputs.has(name) ? `${name}/raw` : name);
  const nodes = g.nodes.map((n) =>
    n.opType === 'Identity' ? n : { ...n, inputs: n.inputs.map(raw), outputs: n.outputs.map(raw) },
  );
  const copies = nodes.flatMap((n) =>
    n.outputs
      .filter((o) => o.endsWith('/raw'))
      .map((o) => ({
        opType: 'Identity',
        domain: '',
        name: `copy ${o}`,
        inputs: [o],
        outputs: [o.slice(0, -4)],
        attributes: [],
      })),
  );
  return { ...model, graph: { ...g, nodes: [...nodes, ...copies] } };
}

for (const [template, optimizer] of [
  ['lenet5', { kind: 'momentum', momentum: 0.9 }],
  ['mlp', { kind: 'adam' }],
] as const) {
  test(`${template} (${optimizer.kind}): no output is a copy, and the step's numbers are the copying form's`, async () => {
    const graph = loadTemplate(template).graph;
    const step = compileTrainStep(graph, { batchSize: 8, loss: 'cross-entropy', optimizer });
    const g = step.model.graph;
    const produced = new Set(g.nodes.filter((n) => n.opType !== 'Identity').flatMap((n) => n.outputs));
    const copies = g.nodes.filter((n) => n.opType === 'Identity' && produced.has(n.inputs[0]));
    assert.deepEqual(
      copies.map((n) => n.outputs[0]),
      [],
    );

    const copying = withOutputCopies(step.model);
    assert.ok(copying.graph.nodes.length >= g.nodes.length + g.outputs.length - 1, 'every output copied');
    // The pass undoes the copies exactly.
    const undone = withoutOutputCopies(copying.graph.nodes, copying.graph.inputs, copying.graph.outputs);
    assert.deepEqual(undone, g.nodes);

    const feeds = randomStepFeeds(step, graph, 5, 0.05);
    // Adam's first step: 1 − β₁ and 1 − β₂.
    const { biasCorrection1, biasCorrection2 } = step.scalars;
    if (biasCorrection1) feeds[biasCorrection1] = new ort.Tensor('float32', [0.1], []);
    if (biasCorrection2) feeds[biasCorrection2] = new ort.Tensor('float32', [0.001], []);
    const results = [];
    for (const model of [step.model, copying]) {
      const session = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1 });
      results.push(await session.run(feeds));
      await session.release();
    }
    for (const o of g.outputs) assert.deepEqual(results[0][o.name].data, results[1][o.name].data, o.name);
  });
}
