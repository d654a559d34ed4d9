// The React Flow canvas: a controlled projection of the document. Changes from React Flow are
// translated into store actions; nothing here holds graph state of its own.
import { Background, Controls, MiniMap, Panel, ReactFlow, useReactFlow } from '@xyflow/react';
import type { Connection, Edge, EdgeChange, NodeChange } from '@xyflow/react';
import { useEffect, useMemo, useRef } from 'react';
import { connectionProblem, getLayer, nodeById } from '../../engine/index.ts';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import { expandGroupIds } from '../state/groups.ts';
import { useRenderAll } from '../app/imageExport.ts';
import { BlockNode } from './BlockNode.tsx';
import { resolveGroupChanges, useGroupDragOrigins } from './groupChanges.ts';
import type { CanvasNode } from './groupProjection.ts';
import { withGroups } from './groupProjection.ts';
import { categoryColor } from './layerStyle.ts';
import { LayerNode } from './LayerNode.tsx';
import { toEngineConnection } from './ports.ts';
import { toFlowEdges, toFlowNodes } from './projection.ts';
import { useLayerDrop } from './useLayerDrop.ts';
import { useHidden } from '../lessons/GuessField.tsx';
import { nodeShown } from '../lessons/predict.ts';
import { useRevealed } from '../lessons/reveals.ts';

// Module scope: a new nodeTypes object per render would remount every node (React Flow error002).
const nodeTypes = { layer: LayerNode, block: BlockNode };

const actions = () => appStore.getState().actions;

function onNodesChange(flowChanges: NodeChange<CanvasNode>[]) {
  const { doc, measured } = appStore.getState();
  const changes = resolveGroupChanges(doc, measured, flowChanges);
  const moves: { id: string; position?: { x: number; y: number } }[] = [];
  const sizes: { id: string; size: { width: number; height: number } }[] = [];
  const selects: { id: string; selected: boolean }[] = [];
  let dragging = false;
  for (const c of changes) {
    if (c.type === 'position') {
      moves.push({ id: c.id, position: c.position });
      dragging ||= c.dragging === true;
    } else if (c.type === 'dimensions' && c.dimensions) sizes.push({ id: c.id, size: c.dimensions });
    else if (c.type === 'select') selects.push({ id: c.id, selected: c.selected });
    // 'remove' arrives through onDelete as one undoable step.
  }
  if (sizes.length) actions().setMeasured(sizes);
  if (selects.length) actions().setSelected('nodes', selects);
  if (moves.length) actions().moveNodes(moves, dragging);
}

function onEdgesChange(changes: EdgeChange[]) {
  const selects = changes.flatMap((c) => (c.type === 'select' ? [{ id: c.id, selected: c.selected }] : []));
  if (selects.length) actions().setSelected('edges', selects);
}

function isValidConnection(c: Connection | Edge): boolean {
  return connectionProblem(appStore.getState().doc.graph, toEngineConnection(c)) === null;
}

const onConnect = (c: Connection) => void actions().connectPorts(toEngineConnection(c));
const onDelete = ({ nodes, edges }: { nodes: { id: string }[]; edges: { id: string }[] }) =>
  actions().deleteElements(
    expandGroupIds(
      appStore.getState().doc,
      nodes.map((n) => n.id),
    ),
    edges.map((e) => e.id),
  );

/**
 * From this many layers on, only what is in view is rendered: with every node and edge in the DOM,
 * each frame of a drag re-paints and re-layerizes all of them (bench: scripts/bench-canvas.ts).
 */
const RENDER_VISIBLE_FROM = 300;

/** Below this zoom node text is unreadable. */
const READABLE_ZOOM = 0.75;
const PRESENTATION_READABLE_ZOOM = 0.9;

/**
 * Zoom to fit, but never below a readable zoom: a tall network (VGG-16, ResNet-18) is then shown
 * from its input downwards, centred horizontally, and the user scrolls for the rest.
 */
async function zoomToFit(flow: ReturnType<typeof useReactFlow>, element: HTMLElement | null): Promise<void> {
  await flow.fitView({ padding: 0.08, maxZoom: 1.1 });
  const { zoom } = flow.getViewport();
  // On a projector the small overlay text must still come out at ≥ 14px on screen.
  const readable = appStore.getState().presentation ? PRESENTATION_READABLE_ZOOM : READABLE_ZOOM;
  if (zoom >= readable || !element) return;
  const bounds = flow.getNodesBounds(flow.getNodes());
  const x = element.clientWidth / 2 - (bounds.x + bounds.width / 2) * readable;
  await flow.setViewport({ x, y: 24 - bounds.y * readable, zoom: readable });
}

function minimapColor(n: { id: string }): string {
  const node = nodeById(appStore.getState().doc.graph, n.id);
  return categoryColor[getLayer(node?.type ?? '')?.category ?? 'other'];
}

export function Canvas() {
  const graph = useApp((s) => s.doc.graph);
  const groups = useApp((s) => s.doc.groups);
  const selection = useApp((s) => s.selection);
  const measured = useApp((s) => s.measured);
  const analysis = useApp(selectAnalysis);
  const showShapes = useApp((s) => s.overlays.shape);
  const theme = useApp((s) => s.theme);
  const fitRequest = useApp((s) => s.fitRequest);
  const renderAll = useRenderAll();
  useGroupDragOrigins();
  const flow = useReactFlow();
  const container = useRef<HTMLElement>(null);
  const { onDragOver, onDrop } = useLayerDrop();

  const layerNodes = useMemo(() => toFlowNodes(graph, selection, measured), [graph, selection, measured]);
  const hidden = useHidden();
  const revealed = useRevealed();
  const layerEdges = useMemo(
    () =>
      toFlowEdges(graph, selection, analysis, showShapes, (id) => nodeShown('shape', hidden, revealed, id)),
    [graph, selection, analysis, showShapes, hidden, revealed],
  );
  const { nodes, edges } = useMemo(
    () => withGroups(groups, graph, measured, selection, layerNodes, layerEdges),
    [groups, graph, measured, selection, layerNodes, layerEdges],
  );

  useEffect(() => {
    if (fitRequest) void zoomToFit(flow, container.current);
  }, [fitRequest, flow]);

  return (
    <section className="canvas" role="region" aria-label="Canvas" ref={container}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onDelete={onDelete}
        isValidConnection={isValidConnection}
        onDragOver={onDragOver}
        onDrop={onDrop}
        deleteKeyCode={['Backspace', 'Delete']}
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        colorMode={theme}
        minZoom={0.1}
        maxZoom={2.5}
        zoomOnDoubleClick={false}
        onlyRenderVisibleElements={graph.nodes.length >= RENDER_VISIBLE_FROM && !renderAll}
        defaultViewport={{ x: 80, y: 40, zoom: 1 }}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <MiniMap pannable zoomable nodeColor={minimapColor} ariaLabel="Minimap" />
        <Controls aria-label="Zoom controls" />
        {graph.nodes.length === 0 && (
          <Panel position="top-center" className="canvas__empty">
            Drag a layer from the palette (start with <b>Input</b>), or open a template.
          </Panel>
        )}
      </ReactFlow>
    </section>
  );
}
