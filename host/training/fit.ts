// Does this network fit this data? Checked before a run starts, so the user reads one sentence
// naming the layer to change instead of an onnxruntime shape error halfway through compiling.
import type { Dataset } from '../../engine/data/index.ts';
import { sampleSize, targetSize } from '../../engine/data/index.ts';
import type { Analysis, LossKind, ProjectDocument } from '../../engine/index.ts';
import { formatShape, getLayer } from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';

const cannot = (message: string) => new HostError('cannot-train', message);

/** The one Input node and the one output node of a trainable network, or a cannot-train error. */
export function endpoints(doc: ProjectDocument, analysis: Analysis): { input: string; output: string } {
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw cannot(`Fix the network before training: ${errors[0].message}`);
  const inputs = doc.graph.nodes.filter((n) => n.type === 'Input');
  if (inputs.length !== 1)
    throw cannot(
      inputs.length === 0
        ? 'The network has no Input layer; add one for the data to enter.'
        : `Training feeds one dataset, so the network needs exactly one Input layer (it has ${inputs.length}).`,
    );
  const sources = new Set(doc.graph.edges.map((e) => e.source));
  const outputs = doc.graph.nodes.filter((n) => !sources.has(n.id));
  if (outputs.length !== 1)
    throw cannot(
      `The loss needs exactly one output layer, but ${outputs.map((n) => n.name).join(', ')} all end the network; connect or delete the extra ones.`,
    );
  return { input: inputs[0].id, output: outputs[0].id };
}

/** Checks input size against the samples and output width against the classes. */
export function checkFit(
  doc: ProjectDocument,
  analysis: Analysis,
  data: Dataset,
  loss: LossKind,
  batchSize: number,
): void {
  const { input, output } = endpoints(doc, analysis);
  const inputNode = doc.graph.nodes.find((n) => n.id === input)!;
  const inShape = analysis.nodes.get(input)!.outputShape!.slice(1) as number[];
  const perSample = sampleSize(inShape);
  const given = sampleSize(data.inputShape);
  if (perSample !== given)
    throw cannot(
      `${inputNode.name} takes ${formatShape(inShape)} (${perSample} values) but each ${data.name} sample is ${formatShape(data.inputShape)} (${given} values); set its shape to ${formatShape(data.inputShape)}.`,
    );
  checkIds(doc, input, data);
  const outNode = doc.graph.nodes.find((n) => n.id === output)!;
  const outShape = analysis.nodes.get(output)!.outputShape!;
  const width = sampleSize(outShape.slice(1) as number[]);
  if (data.numClasses > 0 && width !== data.numClasses)
    throw cannot(
      `${outNode.name} gives ${width} output${width === 1 ? '' : 's'} per sample but ${data.name} has ${data.numClasses} classes; make the last layer produce ${data.numClasses} (${loss} compares one score per class).`,
    );
  // Cross-entropy over a single score is always 0: nothing would learn, without a word.
  if (data.numClasses === 0 && (loss === 'cross-entropy' || loss === 'nll'))
    throw cannot(
      `${data.name} has numeric targets, not classes, so ${loss} cannot compare them; choose mean squared error as the loss.`,
    );
  const targets = data.y instanceof Float32Array && data.length > 0 ? targetSize(data) : width;
  if (targets !== width)
    throw cannot(
      `${outNode.name} gives ${formatShape(outShape.slice(1) as number[])} (${width} values) per sample but each ${data.name} target has ${targets} value${targets === 1 ? '' : 's'}; make the last layer produce ${targets}.`,
    );
  if (data.length < batchSize)
    throw cannot(
      `The training set has ${data.length} samples, fewer than one batch of ${batchSize}; lower the batch size or use more data.`,
    );
}

/** Layers that read ids from the Input (an Embedding) get whole numbers within their vocabulary. */
function checkIds(doc: ProjectDocument, input: string, data: Dataset): void {
  for (const e of doc.graph.edges.filter((edge) => edge.source === input)) {
    const reader = doc.graph.nodes.find((n) => n.id === e.target)!;
    const count = getLayer(reader.type)?.indexInputs?.(reader.attributes as never)[e.targetPort];
    if (!count) continue;
    const bad = data.x.findIndex((v) => !(Number.isInteger(v) && v >= 0 && v < count));
    if (bad >= 0)
      throw cannot(
        `${reader.name} looks up ids 0 to ${count - 1}, but ${data.name} sample ${Math.floor(bad / sampleSize(data.inputShape))} holds ${data.x[bad]}; feed whole ids below ${count} or raise num_embeddings.`,
      );
  }
}
