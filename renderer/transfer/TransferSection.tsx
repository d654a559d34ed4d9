// The inspector's transfer-learning section for the selected node: "Freeze up to here" (this node
// and everything feeding it keep their weights and get no backward pass), and for a layer that
// gives class scores, "Replace classifier" with a fresh Linear for the user's number of classes.
import { useId, useState } from 'react';
import type { Graph } from '../../engine/index.ts';
import { lastLinear } from '../../engine/index.ts';
import { perAnalysis } from '../state/analysis.ts';
import { useApp } from '../state/appStore.ts';
import { useNodeSettings } from '../state/useNodeSettings.ts';
import { freezeUpToNode, replaceWithClassifier, unfreezeEverything } from './transferActions.ts';
import './transfer.css';

// Whole-graph facts, derived once per structure rather than on every store update (each frame of
// a drag: lastLinear sorts the whole graph).
const classifierOf = perAnalysis((graph: Graph) => lastLinear(graph)?.id);
const anyFrozenIn = perAnalysis((graph: Graph) => graph.nodes.some((n) => n.frozen));
const feedingIn = perAnalysis((graph: Graph) => new Set(graph.edges.map((e) => e.source)));

export function TransferSection({ nodeId }: { nodeId: string }) {
  const id = useId();
  const node = useNodeSettings(nodeId);
  const frozen = node?.frozen ?? false;
  const anyFrozen = useApp((s) => anyFrozenIn(s.doc.graph));
  const isClassifier = useApp((s) => classifierOf(s.doc.graph) === nodeId);
  // Where class scores come from: a Linear, or the last layer of a model that ends otherwise.
  const feedsOthers = useApp((s) => feedingIn(s.doc.graph).has(nodeId));
  const replaceable = node?.type === 'Linear' || !feedsOthers;
  const outputs = node?.attributes.out_features;
  const [classes, setClasses] = useState(typeof outputs === 'number' ? String(outputs) : '10');
  const count = Number(classes);
  const valid = Number.isInteger(count) && count >= 1 && count <= 100_000;
  return (
    <section className="transfer" aria-label="Transfer learning">
      <h3>Transfer learning</h3>
      {frozen && (
        <p className="muted">
          Frozen: its weights stay as they are and it runs as at inference while training.
        </p>
      )}
      <div className="button-row">
        <button
          type="button"
          title="Freeze this layer and every layer before it: no gradients, no optimizer state, and their output computed once per picture"
          onClick={() => freezeUpToNode(nodeId)}
        >
          Freeze up to here
        </button>
        {anyFrozen && (
          <button type="button" onClick={() => unfreezeEverything()}>
            Unfreeze all
          </button>
        )}
      </div>
      {replaceable && (
        <div className="transfer__replace">
          <label htmlFor={id}>classes</label>
          <input
            id={id}
            type="number"
            min={1}
            step={1}
            value={classes}
            aria-invalid={valid ? undefined : true}
            onChange={(e) => setClasses(e.target.value)}
          />
          <button
            type="button"
            disabled={!valid}
            title={
              isClassifier
                ? 'A new Linear with this many outputs in place of this one, freshly initialised'
                : 'Replace this layer by a new Linear with this many outputs, freshly initialised'
            }
            onClick={() => replaceWithClassifier(count, nodeId)}
          >
            Replace classifier
          </button>
        </div>
      )}
    </section>
  );
}
