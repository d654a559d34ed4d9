// Real-size train steps run without onnxruntime's memory pattern, teaching-size ones with it
// (host/training/memoryPattern.ts): the choice follows the step's activations, reaches every
// session of the step, and changes no number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { analyze, compileTrainStep, estimateMemory, resolveWeights, withBatch } from '../../engine/index.ts';
import { encodeModel } from '../../engine/onnx/index.ts';
import { MEMORY_PATTERN_MAX_ACTIVATION_BYTES, usesMemoryPattern } from '../../host/training/memoryPattern.ts';
import { StepSession } from '../../host/training/session.ts';
import { randomStepFeeds } from '../helpers/stepFeeds.ts';
import { loadTemplate } from '../helpers/templates.ts';

const momentum = { kind: 'momentum', momentum: 0.9 } as const;
const stepOf = (template: string, batch: number) =>
  compileTrainStep(loadTemplate(template).graph, {
    batchSize: batch,
    loss: 'cross-entropy',
    optimizer: momentum,
  });

test('the choice follows the activations: LeNet-5 and mini-VGG keep the pattern, ResNet-18 and VGG-16 at 224² do not', () => {
  const cases: [string, number, boolean][] = [
    ['lenet5', 128, true],
    ['mini-vgg', 128, true],
    ['resnet18', 16, false],
    ['vgg16', 8, false],
  ];
  for (const [template, batch, keeps] of cases) {
    const step = stepOf(template, batch);
    // The step's figure is the summary's "Forward activations" for its batch.
    const graph = withBatch(loadTemplate(template).graph, batch);
    assert.equal(step.activationBytes, estimateMemory(analyze(graph), batch).activationBytes, template);
    assert.equal(usesMemoryPattern(step), keeps, `${template} at ${batch}: ${step.activationBytes} bytes`);
  }
  assert.equal(usesMemoryPattern({ activationBytes: MEMORY_PATTERN_MAX_ACTIVATION_BYTES - 1 }), true);
  assert.equal(usesMemoryPattern({ activationBytes: MEMORY_PATTERN_MAX_ACTIVATION_BYTES }), false);
});

test('a StepSession builds its sessions with the choice', async () => {
  for (const [template, batch] of [
    ['lenet5', 32],
    ['resnet18', 16],
  ] as const) {
    const step = stepOf(template, batch);
    const weights = resolveWeights(analyze(withBatch(loadTemplate(template).graph, batch)), undefined, 0);
    const session = await StepSession.create(step, weights, { threads: 1 });
    try {
      const options = (session as unknown as { options: ort.InferenceSession.SessionOptions }).options;
      assert.equal(options.enableMemPattern, usesMemoryPattern(step), template);
    } finally {
      await session.release();
    }
  }
});

test('with or without the pattern, a train step gives the same numbers, bit for bit', async () => {
  const step = stepOf('lenet5', 16);
  const feeds = randomStepFeeds(step, loadTemplate('lenet5').graph, 3, 0.05);
  const outputs = [];
  for (const enableMemPattern of [true, false]) {
    const session = await ort.InferenceSession.create(encodeModel(step.model), {
      intraOpNumThreads: 1,
      enableMemPattern,
    });
    // Twice: the pattern is planned from the first run and used from the second.
    await session.run(feeds);
    outputs.push(await session.run(feeds));
    await session.release();
  }
  for (const name of Object.keys(outputs[0]))
    assert.deepEqual(outputs[1][name].data, outputs[0][name].data, name);
});
