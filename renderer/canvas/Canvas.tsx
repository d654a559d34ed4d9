// The React Flow canvas: a controlled projection of the document. Changes from React Flow are
// translated into store actions; nothing here holds graph state of its own.
import { Background, ControlButton, Controls, Panel, ReactFlow, useReactFlow, useStore } from '@xyflow/react';
import type { Connection, Edge, EdgeChange, NodeChange } from '@xyflow/react';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { RefObject } from 'react';
import { connectionProblem, getLayer } from '../../engine/index.ts';
import type { ProjectDocument } from '../../engine/index.ts';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import { nodeOf } from '../state/graphIndex.ts';
import { expandGroupIds, findGroup } from '../state/groups.ts';
import { useRenderAll } from '../app/imageExport.ts';
import { BlockNode } from './BlockNode.tsx';
import { resolveGroupChanges, useGroupDragOrigins } from './groupChanges.ts';
import type { CanvasNode } from './groupProjection.ts';
import { withGroups } from './groupProjection.ts';
import { categoryColor } from './layerStyle.ts';
import { LayerNode } from './LayerNode.tsx';
import { MiniMap } from './MiniMap.tsx';
import { levelOfDetail, useLevelOfDetail } from './useLayerView.ts';
import { openingFit, registerCanvas, zoomToFit } from './viewport.ts';
import { FindBar } from './FindBar.tsx';
import { ProblemsPanel } from '../app/ProblemsPanel.tsx';
import { nodeBox, nodeBoxVars } from './nodeBox.ts';
import { toEngineConnection } from './ports.ts';
import { DEFAULT_SIZE, toFlowEdges, toFlowNodes } from './projection.ts';
import { useLayerDrop } from './useLayerDrop.ts';
import { useHidden } from '../lessons/GuessField.tsx';
import { nodeShown } from '../lessons/predict.ts';
import { useRevealed } from '../lessons/reveals.ts';

// Module scope: a new nodeTypes object per render would remount every node (React Flow error002).
const nodeTypes = { layer: LayerNode, block: BlockNode };

const actions = () => appStore.getState().actions;
const noNodes: CanvasNode[] = [];
const noEdges: Edge[] = [];

/**
 * An expanded block's frame takes its size from its members (groupProjection.ts), so React Flow's
 * measurement of it says nothing new. Recording it re-rendered the canvas and made React Flow
 * adopt every node again on each frame of a drag that grows the frame.
 */
const isFrame = (doc: ProjectDocument, id: string) => findGroup(doc, id)?.collapsed === false;

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
    } else if (c.type === 'dimensions' && c.dimensions && !isFrame(doc, c.id))
      sizes.push({ id: c.id, size: c.dimensions });
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

/**
 * Keeps the level of detail on the canvas element: data-lod (full, compact, far) and how much
 * compact nodes scale their text up so it stays about 12 px on screen (--lod-name, --lod-figure).
 */
function ZoomVars({ canvas }: { canvas: RefObject<HTMLElement | null> }) {
  const zoom = useStore((s) => Math.round(s.transform[2] * 100) / 100);
  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const boost = (readableAt: number, most: number) =>
      String(Math.min(most, Math.max(1, readableAt / zoom)));
    el.style.setProperty('--lod-name', boost(0.55, 1.5));
    // At most what keeps four characters ("1e-4", "1000") inside a node's width.
    el.style.setProperty('--lod-figure', boost(0.4, 2.8));
    el.dataset.lod = levelOfDetail(zoom);
  }, [zoom, canvas]);
  return null;
}

// Called for every node of the minimap when it mounts: looked up by index (a scan of the nodes
// each time cost a 1,000-layer open ~25 ms).
function minimapColor(n: { id: string }): string {
  const node = nodeOf(appStore.getState().doc.graph, n.id);
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

  const direction = useApp((s) => s.doc.layout?.direction ?? 'TB');
  const lod = useLevelOfDetail();
  const presentation = useApp((s) => s.presentation);
  const box = useMemo(() => nodeBox(lod, presentation), [lod, presentation]);
  const boxVars = useMemo(() => nodeBoxVars(presentation), [presentation]);
  const layerNodes = useMemo(
    () => toFlowNodes(graph, selection, measured, direction, box),
    [graph, selection, measured, direction, box],
  );
  const hidden = useHidden();
  const revealed = useRevealed();
  // Zoomed out, edge labels are too small to read and canvas.css hides them: they are left out
  // altogether, since each label is measured (getBBox) whenever its edge re-renders.
  const labelled = showShapes && lod === 'full';
  const layerEdges = useMemo(
    () => toFlowEdges(graph, selection, analysis, labelled, (id) => nodeShown('shape', hidden, revealed, id)),
    [graph, selection, analysis, labelled, hidden, revealed],
  );
  const found = useApp((s) => s.found);
  const { nodes, edges } = useMemo(() => {
    const all = withGroups(groups, graph, measured, selection, layerNodes, layerEdges, direction);
    if (!found) return all;
    // The node Find or Problems went to wears a ring (canvas.css) until another is chosen.
    return {
      ...all,
      nodes: all.nodes.map((n) =>
        n.id === found ? { ...n, className: `${n.className ?? ''} is-found` } : n,
      ),
    };
  }, [groups, graph, measured, selection, layerNodes, layerEdges, direction, found]);

  // A newly opened network is handed to React Flow only once the view is at its opening fit,
  // so its nodes render once, at the level of detail they are seen at (viewport.ts openingFit).
  const generation = useApp((s) => s.docGeneration);
  const [drawnGeneration, setDrawnGeneration] = useState(generation);
  const opening = generation !== drawnGeneration;
  useLayoutEffect(() => {
    if (!opening) return;
    const view = container.current && openingFit(nodes, measured, container.current, DEFAULT_SIZE);
    if (view) void flow.setViewport(view);
    setDrawnGeneration(generation);
  }, [opening, nodes, measured, flow, generation]);

  useEffect(() => {
    registerCanvas(flow, container.current);
    return () => registerCanvas(null, null);
  }, [flow]);
  useEffect(() => {
    // After React Flow has measured the nodes of a newly opened network.
    if (fitRequest) requestAnimationFrame(() => void zoomToFit(flow, container.current, true));
  }, [fitRequest, flow]);

  return (
    <section className="canvas" role="region" aria-label="Canvas" ref={container} style={boxVars}>
      <ReactFlow
        nodes={opening ? noNodes : nodes}
        edges={opening ? noEdges : edges}
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
        minZoom={0.05}
        maxZoom={2.5}
        zoomOnDoubleClick={false}
        onlyRenderVisibleElements={graph.nodes.length >= RENDER_VISIBLE_FROM && !renderAll}
        defaultViewport={{ x: 80, y: 40, zoom: 1 }}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={20} />
        <MiniMap nodeColor={minimapColor} ariaLabel="Minimap" />
        <Controls aria-label="Zoom controls" showFitView={false}>
          <ControlButton
            aria-label="Fit View"
            title="Zoom to fit the part of the canvas you can see"
            onClick={() => void zoomToFit(flow, container.current)}
          >
            <svg viewBox="0 0 32 30" aria-hidden="true">
              <path d="M3.692 4.63c0-.53.4-.938.939-.938h5.215V0H4.708C2.13 0 0 2.054 0 4.63v5.216h3.692V4.631zM27.354 0h-5.2v3.692h5.17c.53 0 .984.4.984.939v5.215H32V4.631A4.624 4.624 0 0027.354 0zm.954 24.83c0 .532-.4.94-.939.94h-5.215v3.768h5.215c2.577 0 4.631-2.13 4.631-4.707v-5.139h-3.692v5.139zm-23.677.94c-.531 0-.939-.4-.939-.94v-5.138H0v5.139c0 2.577 2.13 4.707 4.708 4.707h5.138V25.77H4.631z" />
            </svg>
          </ControlButton>
        </Controls>
        <ZoomVars canvas={container} />
        {graph.nodes.length === 0 && (
          <Panel position="top-center" className="canvas__empty">
            Drag a layer from the palette (start with <b>Input</b>), or open a template.
          </Panel>
        )}
      </ReactFlow>
      <FindBar />
      <ProblemsPanel />
    </section>
  );
}
