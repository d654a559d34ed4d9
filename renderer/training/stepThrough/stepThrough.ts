// Step-through mode's state: the batch the host keeps (its summary), where the user is in the
// walk (forward node by node, the loss, then backward node by node), the chosen sample, the
// current node's tensors and the last layer check. It is view state of the Training panel, so it
// lives in a store of its own (like onnxFlows' export dialog), read by the panel and the canvas.
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import type { Analysis } from '../../../engine/index.ts';
import type { LayerCheck, NodeTensors, StepNode, StepThroughSummary } from '../../../protocol/stepThrough.ts';
import { analysisOf } from '../../state/analysis.ts';
import { appStore, selectAnalysis, useApp } from '../../state/appStore.ts';
import { isGone } from '../flows.ts';
import { currentWeights } from '../currentWeights.ts';

export type Phase = 'forward' | 'loss' | 'backward';

export interface Stop {
  phase: Phase;
  /** The node of a forward or backward stop. */
  node: StepNode | null;
  /** 1-based position within its phase, and the phase's length. */
  index: number;
  of: number;
}

export interface StepThroughState {
  status: 'idle' | 'running' | 'ready' | 'failed';
  message: string | null;
  summary: StepThroughSummary | null;
  /** The network's analysis when the batch ran: another one means the network changed since. */
  analysis: Analysis | null;
  position: number;
  sample: number;
  /** By `${nodeId}/${sample}`: what the host sent for the current batch. */
  tensors: Record<string, NodeTensors>;
  tensorError: string | null;
  check: {
    nodeId: string;
    status: 'running' | 'done' | 'failed';
    result?: LayerCheck;
    message?: string;
  } | null;
}

const initial: StepThroughState = {
  status: 'idle',
  message: null,
  summary: null,
  analysis: null,
  position: 0,
  sample: 0,
  tensors: {},
  tensorError: null,
  check: null,
};

export const stepThroughStore = createStore<StepThroughState>()(() => initial);
export const useStepThrough = <T>(selector: (s: StepThroughState) => T): T =>
  useStore(stepThroughStore, selector);

/** Every stop of the walk: all nodes forward, the loss, then the nodes with a gradient in reverse. */
export function stopsOf(summary: StepThroughSummary): Stop[] {
  // Cached per summary, so store selectors get the same objects back (no re-render loops).
  let stops = stopCache.get(summary);
  if (!stops) stopCache.set(summary, (stops = buildStops(summary)));
  return stops;
}

const stopCache = new WeakMap<StepThroughSummary, Stop[]>();

function buildStops(summary: StepThroughSummary): Stop[] {
  const forward = summary.nodes;
  const backward = [...summary.nodes].reverse().filter((n) => n.backward !== null);
  return [
    ...forward.map((node, i) => ({ phase: 'forward' as const, node, index: i + 1, of: forward.length })),
    { phase: 'loss', node: null, index: 1, of: 1 },
    ...backward.map((node, i) => ({ phase: 'backward' as const, node, index: i + 1, of: backward.length })),
  ];
}

export function currentStop(s: StepThroughState): Stop | null {
  return s.summary ? (stopsOf(s.summary)[s.position] ?? null) : null;
}

/** "Forward 3 of 12: conv1 (Conv2d)", "Loss = 0.4312", "Backward 1 of 11: fc3 (Linear)". */
export function stopLabel(stop: Stop, summary: StepThroughSummary): string {
  if (stop.phase === 'loss')
    return `Loss = ${summary.loss === null ? 'not a number' : summary.loss.toFixed(4)}`;
  const phase = stop.phase === 'forward' ? 'Forward' : 'Backward';
  return `${phase} ${stop.index} of ${stop.of}: ${stop.node!.name} (${stop.node!.type})`;
}

/**
 * The stop for a node clicked on the canvas: in the same phase as now when the node has one there
 * (the loss counts as backward), else its forward stop; null when the batch has no such node.
 */
export function stopForNode(s: StepThroughState, nodeId: string): number | null {
  if (!s.summary) return null;
  const stops = stopsOf(s.summary);
  const now = stops[s.position]?.phase ?? 'forward';
  const want = now === 'forward' ? 'forward' : 'backward';
  const same = stops.findIndex((x) => x.phase === want && x.node?.id === nodeId);
  if (same >= 0) return same;
  const any = stops.findIndex((x) => x.node?.id === nodeId);
  return any >= 0 ? any : null;
}

const set = (p: Partial<StepThroughState>) => stepThroughStore.setState(p);
const get = () => stepThroughStore.getState();

/** Selects the current node on the canvas too, so the inspector shows it. */
function selectCurrent(): void {
  const node = currentStop(get())?.node;
  const app = appStore.getState();
  if (node && app.doc.graph.nodes.some((n) => n.id === node.id) && app.selection.nodes[0] !== node.id)
    app.actions.select({ nodes: [node.id], edges: [] });
  void loadTensors();
}

export function goTo(position: number): void {
  const s = get();
  if (!s.summary) return;
  const last = stopsOf(s.summary).length - 1;
  set({ position: Math.max(0, Math.min(last, position)), tensorError: null });
  selectCurrent();
}

export const step = (delta: number) => goTo(get().position + delta);

export function jumpToNode(nodeId: string): void {
  const s = get();
  const to = stopForNode(s, nodeId);
  if (to !== null && to !== s.position) goTo(to);
}

export function setSample(sample: number): void {
  const s = get();
  if (!s.summary) return;
  set({ sample: Math.max(0, Math.min(s.summary.batchSize - 1, sample)) });
  void loadTensors();
}

const connectedHost = () => {
  const { host, hostStatus } = appStore.getState();
  return host && hostStatus.state === 'connected' ? host : null;
};

/** One batch forward and backward with "the current weights": the run's unless the user chose the initial ones. */
export async function runOneBatch(): Promise<void> {
  const host = connectedHost();
  if (!host) {
    set({ status: 'failed', message: 'Step-through runs in the Netwright host, which is not connected.' });
    return;
  }
  const state = appStore.getState();
  const { doc, trainingSetup } = state;
  const weights = currentWeights(state);
  const runId = weights.source === 'run' ? weights.runId : null;
  const source = runId ? { runId } : { document: doc };
  set({ ...initial, status: 'running' });
  const generation = appStore.getState().docGeneration;
  const analysis = analysisOf(doc.graph);
  try {
    const summary = await host.stepThroughBatch(source, trainingSetup);
    // Another network was opened meanwhile: this batch belongs to the one before.
    if (appStore.getState().docGeneration !== generation) return;
    set({ status: 'ready', summary, analysis, position: 0, sample: 0 });
    selectCurrent();
  } catch (e) {
    if (runId && isGone(e)) appStore.getState().actions.runGone(runId);
    set({ status: 'failed', message: (e as Error).message });
  }
}

async function loadTensors(): Promise<void> {
  const s = get();
  const node = currentStop(s)?.node;
  const host = connectedHost();
  if (!node || !s.summary || !host) return;
  const key = `${node.id}/${s.sample}`;
  if (s.tensors[key]) return;
  try {
    const t = await host.stepThroughTensors({ stepId: s.summary.stepId, nodeId: node.id, sample: s.sample });
    if (get().summary?.stepId === t.stepId) set({ tensors: { ...get().tensors, [key]: t } });
  } catch (e) {
    set({ tensorError: (e as Error).message });
  }
}

export async function checkGradient(nodeId: string): Promise<void> {
  const s = get();
  const host = connectedHost();
  if (!s.summary || !host) return;
  set({ check: { nodeId, status: 'running' } });
  try {
    const result = await host.gradcheckLayer({ stepId: s.summary.stepId, nodeId });
    set({ check: { nodeId, status: 'done', result } });
  } catch (e) {
    set({ check: { nodeId, status: 'failed', message: (e as Error).message } });
  }
}

/** Whether the network was edited (not just moved) since the batch ran: its numbers no longer apply. */
export function useStepStale(): boolean {
  const then = useStepThrough((s) => s.analysis);
  // A boolean selector: every canvas node asks, and must not re-render on each analysis.
  return useApp((s) => then !== null && selectAnalysis(s) !== then);
}

// A batch belongs to the network it ran on: opening another network forgets it.
appStore.subscribe((s, prev) => {
  if (s.docGeneration !== prev.docGeneration) stepThroughStore.setState(initial);
});

/** The phase the walk is in at this node, or null when it is elsewhere (the canvas highlight). */
export function stepPhaseAt(s: StepThroughState, nodeId: string): 'forward' | 'backward' | null {
  const stop = currentStop(s);
  return stop?.node?.id === nodeId && stop.phase !== 'loss' ? stop.phase : null;
}
