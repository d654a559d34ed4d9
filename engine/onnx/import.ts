// ONNX import: an .onnx model as an editable Netwright project (see import/importer.ts). Layers
// declare their own import patterns (`fromOnnx` in each layer file); anything else becomes an
// opaque OnnxOp node that exports back unchanged. What the importer builds is then made readable:
// nodes named after their module path or weights (importNames.ts), and repeated blocks (ResNet
// stages, DenseNet blocks, Inception modules) or a long chain's stages (VGG's blocks) as
// collapsed groups (graph/repeats.ts, graph/chainStages.ts).
import { analyze } from '../analysis/analyze.ts';
import { freshGroupId, type NodeGroup, type ProjectDocument } from '../graph/document.ts';
import { chainStages, transitions } from '../graph/chainStages.ts';
import { type RepeatedStage, repeatedStages } from '../graph/repeats.ts';
import type { ImportOptions, ImportReport, ImportResult } from './import/importer.ts';
import { importOnnx as importRaw } from './import/importer.ts';
import { readableNames } from './importNames.ts';
import type { OnnxModel } from './types.ts';

export { ImportError } from './import/importer.ts';
export type { ImportOptions, ImportReport, ImportResult } from './import/importer.ts';
export type { NodeView, OnnxImport, OnnxMatch, ValueView } from './import/view.ts';

/**
 * Readable names, and the repeated stages with the transitions between them (else a long chain's
 * stages) as collapsed groups titled after their members.
 */
export function readableDocument(doc: ProjectDocument, report: ImportReport): ProjectDocument {
  const graph = readableNames(doc.graph, report.parameterSources, new Set(Object.values(report.outputs)));
  const analysis = analyze(graph);
  const repeated = repeatedStages(graph, analysis);
  const position = new Map(analysis.order.map((id, i) => [id, i]));
  const first = (s: RepeatedStage) => Math.min(...s.members.map((m) => position.get(m) ?? Infinity));
  const stages = repeated.length
    ? [...repeated, ...transitions(graph, analysis, repeated)].sort((a, b) => first(a) - first(b))
    : chainStages(graph, analysis);
  const groups: NodeGroup[] = [];
  for (const s of stages)
    groups.push({
      id: freshGroupId({ graph, groups }, 'stage'),
      title: s.title,
      members: s.members,
      collapsed: true,
    });
  return { ...doc, graph, ...(groups.length ? { groups } : {}) };
}

export function importOnnx(model: OnnxModel, opts: ImportOptions = {}): ImportResult {
  const result = importRaw(model, opts);
  return { ...result, doc: readableDocument(result.doc, result.report) };
}

export function importModel(model: OnnxModel, opts: ImportOptions = {}): ProjectDocument {
  return importOnnx(model, opts).doc;
}
