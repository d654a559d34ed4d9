// Layout for documents the host creates, such as an imported ONNX model, so they open readable.
// The canvas's Auto layout uses the same engine layout with the node sizes it measured; here
// sizes are estimated from what a node will show.
import type { Analysis, ProjectDocument } from '../engine/index.ts';
import { analyze, formatShape, layoutPositions } from '../engine/index.ts';

const NODE_WIDTH = 220;
/** Header, shape line and padding of a layer node; each further line of stats adds a line. */
const BASE_HEIGHT = 62;
const LINE_HEIGHT = 16;

/** A node's height on the canvas, from the stats it shows (shape; params/MACs; RF). */
function estimatedHeight(analysis: Analysis, id: string): number {
  const info = analysis.nodes.get(id);
  if (!info) return BASE_HEIGHT;
  let lines = 0;
  // params, MACs and RF share wrapped lines of about 200 px (~33 characters at 11 px)
  const stats = [info.params > 0 ? 16 : 0, info.macs > 0 ? 12 : 0, info.receptiveField ? 18 : 0].filter(
    (w) => w > 0,
  );
  let used = 0;
  for (const w of stats) {
    if (used === 0 || used + w > 33) {
      lines++;
      used = w;
    } else used += w;
  }
  const shapeLines = Math.ceil(formatShape(info.outputShape).length / 28);
  return BASE_HEIGHT + (lines + Math.max(0, shapeLines - 1)) * LINE_HEIGHT;
}

/** Positions for every node of the document, its groups and direction taken into account. */
export async function layoutDocument(
  doc: ProjectDocument,
  analysis = analyze(doc.graph),
): Promise<ProjectDocument> {
  const at = await layoutPositions(
    doc.graph,
    (id) => ({ width: NODE_WIDTH, height: estimatedHeight(analysis, id) }),
    { direction: doc.layout?.direction ?? 'TB', groups: doc.groups },
  );
  const nodes = doc.graph.nodes.map((n) => ({ ...n, position: at[n.id] ?? n.position }));
  return { ...doc, graph: { ...doc.graph, nodes } };
}
