// A connection table (LeNet-5's C3) as a grid to click: one row per input channel, one column per
// output channel, as the 1998 paper draws it; a filled cell means that output channel sees that
// input channel. No table means every output sees every input. The parameter count on the node
// follows each click.
import { LENET5_C3_TABLE } from '../../engine/families/lenet5.ts';
import type { AttrValue } from '../../engine/index.ts';
import { appStore, selectAnalysis, useApp } from '../state/appStore.ts';
import { nodeOf } from '../state/graphIndex.ts';

type Table = number[][];

/** The table as it stands, with every cell filled when there is none (all connected). */
export function tableOrFull(value: AttrValue | undefined, outs: number, ins: number): Table {
  if (
    Array.isArray(value) &&
    value.length === outs &&
    value.every((r) => Array.isArray(r) && r.length === ins)
  )
    return (value as number[][]).map((row) => [...row]);
  return Array.from({ length: outs }, () => new Array<number>(ins).fill(1));
}

/** One cell flipped: output `out` sees input `input`, or stops seeing it. */
export function toggled(table: Table, out: number, input: number): Table {
  return table.map((row, o) => (o === out ? row.map((v, i) => (i === input ? 1 - v : v)) : row));
}

export function TableField({
  nodeId,
  name,
  value,
}: {
  nodeId: string;
  name: string;
  value: AttrValue | undefined;
}) {
  const outs = useApp((s) => Number(nodeOf(s.doc.graph, nodeId)?.attributes.out_channels ?? 0));
  const ins = useApp((s) => {
    const shape = selectAnalysis(s).nodes.get(nodeId)?.inputShapes[0];
    return typeof shape?.[1] === 'number' ? shape[1] : 0;
  });
  const set = (next: AttrValue) => appStore.getState().actions.setAttribute(nodeId, name, next);
  if (!outs || !ins)
    return <p className="muted">Connect an input first: the grid has one row per input channel.</p>;
  if (outs * ins > 64 * 64)
    return (
      <p className="muted">
        {outs}×{ins} channels is too many to draw as a grid; a table suits a few channels, as in LeNet-5.
      </p>
    );
  const table = tableOrFull(value, outs, ins);
  const full = value === null || value === undefined;
  const c3 = outs === 16 && ins === 6;
  const connections = table.reduce((s, row) => s + row.reduce((r, v) => r + v, 0), 0);
  return (
    <div className="table-field">
      <table
        className="table-field__grid"
        aria-label={`${name}: which input channels each output channel sees`}
      >
        <thead>
          <tr>
            <th scope="col">in \ out</th>
            {table.map((_, o) => (
              <th key={o} scope="col">
                {o}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: ins }, (_, i) => (
            <tr key={i}>
              <th scope="row">{i}</th>
              {table.map((row, o) => (
                <td key={o}>
                  <button
                    type="button"
                    className="table-field__cell"
                    aria-pressed={row[i] === 1}
                    aria-label={`output ${o} sees input ${i}`}
                    onClick={() => set(toggled(table, o, i))}
                  />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted" data-testid="table-connections">
        {full ? 'No table: every output sees every input' : `${connections} of ${outs * ins} connections`}
      </p>
      <div className="button-row">
        <button type="button" disabled={full} onClick={() => set(null)}>
          All connected
        </button>
        {c3 && (
          <button type="button" onClick={() => set(LENET5_C3_TABLE.map((r) => [...r]))}>
            LeNet-5’s C3 table
          </button>
        )}
      </div>
    </div>
  );
}
