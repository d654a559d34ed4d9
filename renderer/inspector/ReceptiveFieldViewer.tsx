// Which input pixels one output position of the selected node sees: click an output position and
// the input region rows u·S + start … u·S + start + size − 1 (and the same for columns) lights up,
// with the part that falls in the padding drawn hatched outside the image.
import { FloatingPanel } from '../components/FloatingPanel.tsx';
import './receptiveField.css';
import { useEffect, useState } from 'react';
import type { ReceptiveField } from '../../engine/index.ts';
import { isGlobal } from '../../engine/index.ts';
import { selectAnalysis, useApp } from '../state/appStore.ts';
import { QUALITATIVE } from '../components/palette.ts';

const PATH_COLORS = QUALITATIVE;
/** Unicode minus for negative numbers, as in printed formulas. */
const num = (n: number) => (n < 0 ? `−${-n}` : String(n));
const signed = (n: number) => (n < 0 ? `− ${-n}` : `+ ${n}`);

export interface Span {
  first: number;
  last: number;
}

/** The input rows (or columns) output position u sees along one axis. */
export function spanOf(rf: ReceptiveField, axis: number, u: number): Span {
  const first = u * rf.stride[axis] + rf.start[axis];
  return { first, last: first + rf.size[axis] - 1 };
}

/** "u·S + start … u·S + start + size − 1 = 1·4 − 6 … 1·4 − 6 + 16 − 1 = −2 … 13" */
export function spanFormula(rf: ReceptiveField, axis: number, u: number): string {
  const { first, last } = spanOf(rf, axis, u);
  const S = rf.stride[axis];
  const base = `${u}·${S} ${signed(rf.start[axis])}`;
  return `${base} … ${base} + ${rf.size[axis]} − 1 = ${num(first)} … ${num(last)}`;
}

/** The dimensions after the batch axis, when all are known numbers. */
const dims = (shape: readonly (number | string)[] | null | undefined): number[] | null => {
  const rest = shape?.slice(1);
  return rest && rest.every((d): d is number => typeof d === 'number') ? rest : null;
};

function useInputPicture(channels: number, h: number, w: number): number[] | null {
  const host = useApp((s) => s.host);
  const [values, setValues] = useState<number[] | null>(null);
  const mnist = channels === 1 && h === 28 && w === 28;
  useEffect(() => {
    if (!host || !mnist) return;
    let live = true;
    host.datasetPreview({ kind: 'mnist', limit: 16, testLimit: 16, seed: 1 }, 1).then(
      (p) => live && setValues(p.samples[0]?.values ?? null),
      () => live && setValues(null),
    );
    return () => {
      live = false;
    };
  }, [host, mnist]);
  return mnist ? values : null;
}

const clipSpan = (s: Span, n: number): Span | null =>
  s.last < 0 || s.first > n - 1 ? null : { first: Math.max(0, s.first), last: Math.min(n - 1, s.last) };

/** Everything the 2-D view draws for the chosen output position (u, v). */
interface Window2d {
  rf: ReceptiveField;
  paths: readonly ReceptiveField[];
  /** Input and output sizes. */
  H: number;
  W: number;
  Ho: number;
  Wo: number;
  u: number;
  v: number;
  /** Room around the image for the part of any window that falls in the padding. */
  margin: number;
  rows: Span;
  cols: Span;
  /** The window's rows and columns inside the image (null: none). */
  inRows: Span | null;
  inCols: Span | null;
  padded: boolean;
}

function windowAt(
  rf: ReceptiveField,
  paths: readonly ReceptiveField[],
  [H, W, Ho, Wo]: readonly number[],
  pos: readonly [number, number],
): Window2d {
  const [u, v] = [Math.min(pos[0], Ho - 1), Math.min(pos[1], Wo - 1)];
  let margin = 1;
  for (const p of paths)
    for (let a = 0; a < 2; a++) {
      const extent = a === 0 ? H : W;
      const last = spanOf(p, a, (a === 0 ? Ho : Wo) - 1).last;
      margin = Math.max(margin, -p.start[a], last - extent + 1);
    }
  margin = Math.min(margin, Math.max(H, W));
  const rows = spanOf(rf, 0, u);
  const cols = spanOf(rf, 1, v);
  const padded = rows.first < 0 || cols.first < 0 || rows.last > H - 1 || cols.last > W - 1;
  const [inRows, inCols] = [clipSpan(rows, H), clipSpan(cols, W)];
  return { rf, paths, H, W, Ho, Wo, u, v, margin, rows, cols, inRows, inCols, padded };
}

/** The input under the windows: the MNIST digit when there is one, else a pixel grid. */
function InputBackground({ picture, H, W }: { picture: number[] | null; H: number; W: number }) {
  if (picture)
    return picture.map((p, i) =>
      p > 0.05 ? (
        <rect
          key={i}
          x={i % W}
          y={Math.floor(i / W)}
          width={1.02}
          height={1.02}
          fill={`rgb(${Math.round(255 * (1 - p))},${Math.round(255 * (1 - p))},${Math.round(255 * (1 - p))})`}
        />
      ) : null,
    );
  return Array.from({ length: H + 1 }, (_, i) => (
    <line key={`h${i}`} className="rf-viewer__gridline" x1={0} y1={i} x2={W} y2={i} />
  )).concat(
    Array.from({ length: W + 1 }, (_, i) => (
      <line key={`v${i}`} className="rf-viewer__gridline" x1={i} y1={0} x2={i} y2={H} />
    )),
  );
}

function InputPicture({ win, picture }: { win: Window2d; picture: number[] | null }) {
  const { H, W, margin, paths, u, v, padded, inRows, inCols } = win;
  return (
    <figure>
      <svg
        className="rf-viewer__input"
        viewBox={`${-margin} ${-margin} ${W + 2 * margin} ${H + 2 * margin}`}
        role="img"
        aria-label={`Input ${H}×${W}`}
      >
        <defs>
          <pattern
            id="rf-hatch"
            width="1"
            height="1"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <line x1="0" y1="0" x2="0" y2="1" stroke="currentColor" strokeWidth="0.35" />
          </pattern>
        </defs>
        <rect
          className="rf-viewer__padding"
          x={-margin}
          y={-margin}
          width={W + 2 * margin}
          height={H + 2 * margin}
        />
        <rect className="rf-viewer__image" x={0} y={0} width={W} height={H} />
        <InputBackground picture={picture} H={H} W={W} />
        {paths.map((p, i) => {
          const r = spanOf(p, 0, u);
          const c = spanOf(p, 1, v);
          const color = paths.length > 1 ? PATH_COLORS[i % PATH_COLORS.length] : PATH_COLORS[0];
          return (
            <g key={i} style={{ color }}>
              <rect
                data-testid={paths.length > 1 ? `rf-path-${i}` : 'rf-region'}
                x={c.first}
                y={r.first}
                width={c.last - c.first + 1}
                height={r.last - r.first + 1}
                fill="url(#rf-hatch)"
                stroke="currentColor"
                strokeWidth={0.25}
                strokeDasharray={padded ? '0.6 0.4' : undefined}
              />
            </g>
          );
        })}
        {inRows && inCols && (
          <rect
            data-testid="rf-inside"
            className="rf-viewer__inside"
            x={inCols.first}
            y={inRows.first}
            width={inCols.last - inCols.first + 1}
            height={inRows.last - inRows.first + 1}
          />
        )}
      </svg>
      <figcaption className="muted">
        Input {H}×{W}
        {picture ? ' (an MNIST digit)' : ''}; hatched outside the frame: padding
      </figcaption>
    </figure>
  );
}

/** The output positions to click: one button per cell when few, else a click anywhere on the map. */
function OutputPicker({ win, setPos }: { win: Window2d; setPos(pos: [number, number]): void }) {
  const { Ho, Wo, u, v } = win;
  const cells = Ho * Wo <= 1024;
  return (
    <figure>
      <svg
        className="rf-viewer__output"
        viewBox={`0 0 ${Wo} ${Ho}`}
        role="group"
        aria-label={`Output positions ${Ho}×${Wo}`}
        onClick={
          cells
            ? undefined
            : (e) => {
                const box = e.currentTarget.getBoundingClientRect();
                setPos([
                  Math.floor(((e.clientY - box.top) / box.height) * Ho),
                  Math.floor(((e.clientX - box.left) / box.width) * Wo),
                ]);
              }
        }
      >
        {cells ? (
          Array.from({ length: Ho * Wo }, (_, i) => {
            const [r, c] = [Math.floor(i / Wo), i % Wo];
            return (
              <rect
                key={i}
                role="button"
                aria-label={`Output (${r}, ${c})`}
                aria-pressed={r === u && c === v}
                className="rf-viewer__cell"
                x={c + 0.05}
                y={r + 0.05}
                width={0.9}
                height={0.9}
                onClick={() => setPos([r, c])}
              />
            );
          })
        ) : (
          <rect className="rf-viewer__cell" width={Wo} height={Ho} />
        )}
        {!cells && <rect className="rf-viewer__cell" aria-pressed x={v} y={u} width={1} height={1} />}
      </svg>
      <figcaption className="muted">
        Output {Ho}×{Wo}: click a position
      </figcaption>
    </figure>
  );
}

function FieldFormula({ win }: { win: Window2d }) {
  const { rf, u, v, rows, cols, padded, inRows, inCols } = win;
  return (
    <div className="rf-viewer__formula" data-testid="rf-formula">
      <p>
        Output ({u}, {v}) sees field {rf.size.join('×')}, stride {rf.stride.join('×')}, start{' '}
        {rf.start.map(num).join(', ')}:
      </p>
      <p>rows u·S + start … u·S + start + size − 1 = {spanFormula(rf, 0, u)}</p>
      <p>cols v·S + start … v·S + start + size − 1 = {spanFormula(rf, 1, v)}</p>
      <p data-testid="rf-region-text">
        rows {num(rows.first)}…{num(rows.last)}, cols {num(cols.first)}…{num(cols.last)}
        {padded && inRows && inCols
          ? `; inside the image: rows ${inRows.first}…${inRows.last}, cols ${inCols.first}…${inCols.last}`
          : ''}
      </p>
    </div>
  );
}

function PathLegend({ paths }: { paths: readonly ReceptiveField[] }) {
  return (
    <ul className="rf-viewer__legend" aria-label="Paths">
      {paths.map((p, i) => (
        <li key={i}>
          <span className="rf-viewer__swatch" style={{ background: PATH_COLORS[i % PATH_COLORS.length] }} />
          path {i + 1}: {p.size.join('×')} /{p.stride.join('×')} @{p.start.map(num).join(',')}
        </li>
      ))}
    </ul>
  );
}

function Field2d({
  win,
  picture,
  setPos,
}: {
  win: Window2d;
  picture: number[] | null;
  setPos(pos: [number, number]): void;
}) {
  return (
    <>
      <div className="rf-viewer__pictures">
        <InputPicture win={win} picture={picture} />
        <OutputPicker win={win} setPos={setPos} />
      </div>
      <FieldFormula win={win} />
      {win.paths.length > 1 && <PathLegend paths={win.paths} />}
    </>
  );
}

export function ReceptiveFieldViewer({ nodeId, onClose }: { nodeId: string; onClose: () => void }) {
  const analysis = useApp(selectAnalysis);
  const graph = useApp((s) => s.doc.graph);
  const info = analysis.nodes.get(nodeId);
  const inputNode = graph.nodes.find(
    (n) => n.type === 'Input' && (dims(analysis.nodes.get(n.id)?.outputShape)?.length ?? 0) === 3,
  );
  const inShape = dims(inputNode ? analysis.nodes.get(inputNode.id)?.outputShape : null);
  const [C, H, W] = inShape ?? [1, 0, 0];
  const picture = useInputPicture(C, H, W);
  const [pos, setPos] = useState<[number, number]>([0, 0]);
  const outShape = dims(info?.outputShape);
  const rf = info?.receptiveField ?? null;

  let body;
  if (!rf || !inShape) {
    body = <p className="muted">This layer has no spatial receptive field over a 2-D input.</p>;
  } else if (isGlobal(rf)) {
    body = (
      <p data-testid="rf-global">
        Global: every output of this layer sees the whole input ({H}×{W}).
      </p>
    );
  } else if (rf.size.length !== 2 || !outShape || outShape.length !== 3) {
    body = <p className="muted">The viewer draws 2-D fields only.</p>;
  } else {
    const paths = info!.receptivePaths.length > 1 ? info!.receptivePaths : [rf];
    const win = windowAt(rf, paths, [H, W, ...outShape.slice(1)], pos);
    body = <Field2d win={win} picture={picture} setPos={setPos} />;
  }

  return (
    <FloatingPanel
      className="rf-viewer"
      label="Receptive field"
      title={`Receptive field of ${graph.nodes.find((n) => n.id === nodeId)?.name ?? nodeId}`}
      onClose={onClose}
    >
      {body}
    </FloatingPanel>
  );
}
