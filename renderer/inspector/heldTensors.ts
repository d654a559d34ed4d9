// The inspector's view of weights the host holds for the document (doc.weightsRef): each
// parameter's first values (all of them when they fit MAX_SLICE_VALUES) and its statistics,
// fetched through HostApi heldTensor and cached by version (a held version never changes; an edit
// makes a new one), and edits stored there as a new version instead of base64 in the document.
import { useEffect, useState } from 'react';
import type { ParamSpec, WeightStats } from '../../engine/index.ts';
import { decodeFloat32, encodeFloat32, product, weightStats } from '../../engine/index.ts';
import { MAX_SLICE_VALUES } from '../../protocol/heldWeights.ts';
import type { HostApi } from '../../protocol/hostApi.ts';
import type { AppStore } from '../state/store.ts';

export interface HeldParam {
  shape: number[];
  /** The tensor's first values: all of them when `complete`. */
  values: Float32Array;
  complete: boolean;
  stats: WeightStats;
}

/** param name -> what the host holds (absent: it holds nothing of that name). */
export type HeldParams = Map<string, HeldParam>;

/** Recently shown nodes (each at most 1 MiB of values per parameter), newest last. */
const MAX_CACHED = 24;
const cache = new Map<string, HeldParams>();
const key = (weightsRef: string, nodeId: string) => `${weightsRef}\n${nodeId}`;

export function cachedHeld(weightsRef: string | undefined, nodeId: string): HeldParams | undefined {
  return weightsRef ? cache.get(key(weightsRef, nodeId)) : undefined;
}

function remember(weightsRef: string, nodeId: string, params: HeldParams): void {
  const k = key(weightsRef, nodeId);
  cache.delete(k);
  cache.set(k, params);
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
}

export async function fetchHeld(
  host: HostApi,
  weightsRef: string,
  nodeId: string,
  specs: readonly ParamSpec[],
): Promise<HeldParams> {
  const known = cachedHeld(weightsRef, nodeId);
  if (known) return known;
  const out: HeldParams = new Map();
  for (const spec of specs) {
    const count = Math.min(product(spec.shape), MAX_SLICE_VALUES);
    const t = await host.heldTensor({ weightsRef, nodeId, param: spec.name, count });
    if (!t.found) continue;
    const values = decodeFloat32(t.values);
    out.set(spec.name, {
      shape: t.shape,
      values,
      complete: values.length === product(t.shape),
      stats: t.stats,
    });
  }
  remember(weightsRef, nodeId, out);
  return out;
}

/**
 * The held tensors of `nodeId` for the inspector: undefined while they are on their way (and
 * when the document names none), with the host's refusal as `error`.
 */
export function useHeldParams(
  host: HostApi | null,
  weightsRef: string | undefined,
  nodeId: string,
  specs: readonly ParamSpec[],
): { held?: HeldParams; loading: boolean; error?: string } {
  const [state, setState] = useState<{ k: string; held?: HeldParams; error?: string } | null>(null);
  const k = weightsRef ? key(weightsRef, nodeId) : '';
  const cached = cachedHeld(weightsRef, nodeId);
  useEffect(() => {
    if (!weightsRef || !host || cachedHeld(weightsRef, nodeId)) return;
    let live = true;
    fetchHeld(host, weightsRef, nodeId, specs).then(
      (held) => live && setState({ k, held }),
      (e: Error) => live && setState({ k, error: e.message }),
    );
    return () => void (live = false);
  }, [host, weightsRef, nodeId, specs]);
  if (!weightsRef) return { loading: false };
  if (cached) return { held: cached, loading: false };
  if (!host)
    return {
      loading: false,
      error: 'the Netwright host is not connected; start it and select the layer again.',
    };
  if (state?.k === k) return { held: state.held, loading: false, error: state.error };
  return { loading: true };
}

/** Held edits one after another, each on the version the one before made. */
let queue: Promise<unknown> = Promise.resolve();

export type HeldChange = { set: Record<string, { shape: number[]; values: Float32Array }> } | { clear: true };

/**
 * Stores a change of `nodeId`'s tensors, worked out by `change` from the state when its turn
 * comes (null: nothing to do), in a new version of the held weights and points the document at
 * it: one undo step (merged by `mergeKey`), and undo points back at the old version.
 */
export function editHeld(
  store: AppStore,
  nodeId: string,
  change: (state: ReturnType<AppStore['getState']>) => HeldChange | null,
  mergeKey?: string,
): Promise<void> {
  const run = async () => {
    const state = store.getState();
    const { host, doc } = state;
    const from = doc.weightsRef;
    const wanted = host && from ? change(state) : null;
    if (!host || !from || !wanted) return;
    const set =
      'set' in wanted
        ? Object.fromEntries(
            Object.entries(wanted.set).map(([p, t]) => [
              p,
              { shape: t.shape, values: encodeFloat32(t.values) },
            ]),
          )
        : undefined;
    const { weightsRef } = await host.editHeldWeights(
      set ? { weightsRef: from, nodeId, set } : { weightsRef: from, nodeId, clear: true },
    );
    const now = store.getState().doc;
    if (now.weightsRef !== from) return; // another document since
    const params: HeldParams = new Map('set' in wanted ? cachedHeld(from, nodeId) : []);
    if ('set' in wanted)
      for (const [p, t] of Object.entries(wanted.set))
        params.set(p, { shape: t.shape, values: t.values, complete: true, stats: weightStats(t.values) });
    remember(weightsRef, nodeId, params);
    // The node's tensors are the host's now; a copy left in the document (older files) would win.
    const next = { ...now, weightsRef, weights: { ...now.weights } };
    delete next.weights[nodeId];
    if (!Object.keys(next.weights).length) delete (next as Partial<typeof next>).weights;
    store.getState().actions.editDocument(next, { mergeKey });
  };
  const next = queue
    .then(run)
    .catch((e: Error) =>
      store.getState().actions.notify('error', `The weights of ${nodeId} were not changed: ${e.message}`),
    );
  queue = next;
  return next;
}
