// The torchinfo-style summary as data, and its CSV and Markdown exports (pure, so tests can
// check them without a DOM).
import type { Analysis, Graph, Totals } from '../../engine/index.ts';
import { formatShape, nodeById } from '../../engine/index.ts';
import { formatCount, formatReceptiveField } from '../components/format.ts';

export interface SummaryRow {
  id: string;
  name: string;
  type: string;
  outputShape: string;
  params: number;
  trainableParams: number;
  macs: number;
  receptiveField: string;
  status: 'ok' | 'warning' | 'error';
}

export function summaryRows(graph: Graph, analysis: Analysis): SummaryRow[] {
  return analysis.order.flatMap((id) => {
    const node = nodeById(graph, id);
    const a = analysis.nodes.get(id);
    if (!node || !a) return [];
    const status = a.diagnostics.some((d) => d.severity === 'error')
      ? 'error'
      : a.diagnostics.length
        ? 'warning'
        : 'ok';
    return [
      {
        id,
        name: node.name,
        type: node.type,
        outputShape: formatShape(a.outputShape),
        params: a.params,
        trainableParams: a.trainableParams,
        macs: a.macs,
        receptiveField: (formatReceptiveField(a.receptiveField) ?? '').replace(/^RF /, ''),
        status,
      },
    ];
  });
}

const csvCell = (v: string | number) => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function summaryCsv(rows: SummaryRow[], totals: Totals): string {
  const lines = [['layer', 'type', 'output_shape', 'params', 'trainable_params', 'macs', 'receptive_field']];
  for (const r of rows)
    lines.push([
      r.name,
      r.type,
      r.outputShape,
      String(r.params),
      String(r.trainableParams),
      String(r.macs),
      r.receptiveField,
    ]);
  lines.push([
    'total',
    '',
    '',
    String(totals.params),
    String(totals.trainableParams),
    String(totals.macs),
    '',
  ]);
  return lines.map((l) => l.map(csvCell).join(',')).join('\n') + '\n';
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|');

export function summaryMarkdown(title: string, rows: SummaryRow[], totals: Totals): string {
  const out = [
    `# ${mdCell(title)}`,
    '',
    '| Layer | Type | Output shape | Params | MACs | Receptive field |',
    '| --- | --- | --- | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${mdCell(r.name)} | ${r.type} | ${r.outputShape} | ${formatCount(r.params)} | ${formatCount(r.macs)} | ${r.receptiveField} |`,
    ),
    '',
    `Total params: ${formatCount(totals.params)}  `,
    `Trainable params: ${formatCount(totals.trainableParams)}  `,
    `Non-trainable buffers: ${formatCount(totals.buffers)}  `,
    `MACs per sample: ${formatCount(totals.macs)} (FLOPs = 2 × MACs = ${formatCount(totals.flops)})`,
    '',
  ];
  return out.join('\n');
}
