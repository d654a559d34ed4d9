// `netwright summary MODEL`: the torchinfo-style table, or the JSON of DESIGN.md.
import type { Analysis, ProjectDocument } from '../engine/index.ts';
import { analyze, estimateMemory, getLayer } from '../engine/index.ts';
import { bytes, fieldText, shapeText, table, thousands } from './format.ts';

/**
 * Multiply-accumulates per sample, from the model with a symbolic batch: an exported transformer
 * moves the batch off the leading axis ([seq, N·heads, d]), where a fixed batch size can't be told
 * apart from the other sizes. A node the symbolic analysis can't shape keeps the given count.
 */
function macsPerSample(doc: ProjectDocument, a: Analysis): { byNode: Map<string, number>; total: number } {
  const nodes = doc.graph.nodes.map((n) =>
    n.type === 'Input' ? { ...n, attributes: { ...n.attributes, batch_size: null } } : n,
  );
  const symbolic = analyze({ ...doc.graph, nodes });
  const byNode = new Map<string, number>();
  for (const id of a.order) {
    const s = symbolic.nodes.get(id);
    byNode.set(id, s?.outputShape ? s.macs : a.nodes.get(id)!.macs);
  }
  return { byNode, total: [...byNode.values()].reduce((p, v) => p + v, 0) };
}

export function summaryJson(doc: ProjectDocument, a: Analysis) {
  const macs = macsPerSample(doc, a);
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  return {
    nodes: a.order.map((id) => {
      const n = a.nodes.get(id)!;
      // Errors; and when the shape is unknown (an imported ONNX op), why.
      const errors = n.diagnostics.filter((d) => d.severity === 'error' || !n.outputShape);
      const node = byId.get(id)!;
      return {
        name: node.name,
        op: getLayer(node.type)?.opLabel?.(node.attributes as never) ?? node.type,
        outputShape: n.outputShape,
        params: n.params,
        trainableParams: n.trainableParams,
        macs: macs.byNode.get(id)!,
        receptiveField: n.receptiveField,
        ...(errors.length ? { diagnostic: errors.map((d) => d.message).join(' ') } : {}),
      };
    }),
    totals: {
      params: a.totals.params,
      trainableParams: a.totals.trainableParams,
      macs: macs.total,
      flops: 2 * macs.total,
    },
  };
}

export function summaryText(doc: ProjectDocument, a: Analysis, batch: number): string {
  const byId = new Map(doc.graph.nodes.map((n) => [n.id, n]));
  const macs = macsPerSample(doc, a);
  const rows = a.order.map((id) => {
    const n = a.nodes.get(id)!;
    const node = byId.get(id)!;
    return [
      `${node.name} (${getLayer(node.type)?.opLabel?.(node.attributes as never) ?? node.type})`,
      shapeText(n.outputShape),
      n.params ? thousands(n.params) : '--',
      macs.byNode.get(id) ? thousands(macs.byNode.get(id)!) : '--',
      fieldText(n.receptiveField),
    ];
  });
  const t = a.totals;
  const memory = estimateMemory(a, batch);
  const inputBytes = doc.graph.nodes
    .filter((n) => n.type === 'Input')
    .reduce((s, n) => s + a.nodes.get(n.id)!.outputElements * 4 * batch, 0);
  const problems = a.diagnostics.map((d) => `${d.severity === 'error' ? 'error' : 'warning'}: ${d.message}`);
  return [
    `${doc.name}`,
    table(['Layer (type)', 'Output Shape', 'Param #', 'MACs', 'Receptive field'], rows, new Set([2, 3])),
    `Total params: ${thousands(t.params)}`,
    `Trainable params: ${thousands(t.trainableParams)}`,
    `Non-trainable params: ${thousands(t.params - t.trainableParams)}`,
    `Buffers (e.g. BatchNorm running statistics): ${thousands(t.buffers)}`,
    `Total MACs per sample: ${thousands(macs.total)}   (FLOPs = 2 x MACs: ${thousands(2 * macs.total)})`,
    '',
    `Input size (batch ${batch}): ${bytes(inputBytes)}`,
    `Forward activations (batch ${batch}): ${bytes(memory.activationBytes)}`,
    `Params size: ${bytes(memory.parameterBytes)}`,
    `Estimated training memory (batch ${batch}, one optimizer slot): ${bytes(memory.trainingBytes)}`,
    ...(problems.length ? ['', ...problems] : []),
  ].join('\n');
}

export function summarize(doc: ProjectDocument, json: boolean, batch: number): string {
  const a = analyze(doc.graph);
  return json ? JSON.stringify(summaryJson(doc, a)) : summaryText(doc, a, batch);
}
