// What a layer node on the canvas reads from the stores, in one subscription per store, each
// compared shallowly. Every mounted node's selectors run on every store update, which during a
// drag is several times a frame: one cheap selector per store instead of fifteen, and nothing in
// them that scans the graph. A node re-renders only when something it shows changed.
import { useStore } from '@xyflow/react';
import { useRef } from 'react';
import { selectAnalysis, useApp } from '../state/appStore.ts';
import { incomingCount, nodeOf } from '../state/graphIndex.ts';
import { lastEpoch } from '../training/curves.ts';
import type { EpochPoint, TrainingRun } from '../training/trainingState.ts';
import { stepPhaseAt, useStepThrough } from '../training/stepThrough/stepThrough.ts';
import { badgesOf, stepNodeOf } from './GradientBadges.tsx';

/** Below this zoom the node's own text is under 7 px on screen: it draws as a compact block. */
export const COMPACT_ZOOM = 0.55;

/**
 * Below this zoom a compact node shows only its key figure, as large as its box allows. At
 * fit-to-view with the Training drawer open a 13-layer LeNet-5 sits at about 0.29: still above
 * it, so each tile keeps its name.
 */
export const FAR_ZOOM = 0.25;

export type LevelOfDetail = 'full' | 'compact' | 'far';

export const levelOfDetail = (zoom: number): LevelOfDetail =>
  zoom < FAR_ZOOM ? 'far' : zoom < COMPACT_ZOOM ? 'compact' : 'full';

/** The canvas's level of detail (a string, so nodes re-render only when it switches). */
export const useLevelOfDetail = () => useStore((s) => levelOfDetail(s.transform[2]));

const lastPoints = new WeakMap<readonly EpochPoint[], { point: EpochPoint | undefined }>();

/** The last finished epoch, looked up once per list of epochs rather than once per node. */
function lastPointOf(run: TrainingRun): EpochPoint | undefined {
  let hit = lastPoints.get(run.epochs);
  if (!hit) lastPoints.set(run.epochs, (hit = { point: lastEpoch(run) }));
  return hit.point;
}

/**
 * A selector returning the previous object while each of its fields is the same. (zustand's
 * useShallow does this too, but builds two Maps per comparison: measurable with hundreds of nodes
 * compared several times a frame.) The selector always returns the same fields.
 */
function useFields<S, T extends Record<string, unknown>>(select: (state: S) => T): (state: S) => T {
  const previous = useRef<T | undefined>(undefined);
  return (state) => {
    const next = select(state);
    const before = previous.current;
    if (before && Object.keys(next).every((key) => Object.is(next[key], before[key]))) return before;
    return (previous.current = next);
  };
}

export function useLayerView(id: string) {
  const step = useStepThrough(
    useFields((s) => ({ analysis: s.analysis, summary: s.summary, phase: stepPhaseAt(s, id) })),
  );
  const view = useApp(
    useFields((s) => {
      const analysis = selectAnalysis(s);
      const point = lastPointOf(s.training);
      // A stepped batch describes the network it ran on: after an edit it is stale, and not shown.
      const stale = step.analysis !== null && analysis !== step.analysis;
      return {
        node: nodeOf(s.doc.graph, id),
        info: analysis.nodes.get(id),
        overlays: s.overlays,
        connected: incomingCount(s.doc.graph, id),
        direction: s.doc.layout?.direction ?? 'TB',
        stepping: s.trainingOpen && s.trainingMode === 'step' && !stale,
        lr: s.trainingSetup.config.lr,
        epoch: point?.epoch,
        epochGrad: point?.gradNorms[id],
        epochRatio: point?.updateRatios[id],
      };
    }),
  );
  const stepNode = view.stepping ? stepNodeOf(step.summary, id) : undefined;
  return {
    ...view,
    stepPhase: view.stepping ? step.phase : null,
    badges: badgesOf({ ...view, stepNode }),
  };
}
