// How a tensor's values are spread: bars of equal-width bins between its min and max, from
// statistics the host computed over all of them (a held tensor) or the page over the ones it has.
import type { WeightStats } from '../../engine/index.ts';
import { formatWeight } from './weightValues.ts';

const WIDTH = 260;
const HEIGHT = 56;

export function WeightHistogram({ stats, label }: { stats: WeightStats; label: string }) {
  const { lo, hi, counts } = stats.histogram;
  const most = Math.max(1, ...counts);
  const bar = WIDTH / counts.length;
  const edge = (i: number) => lo + ((hi - lo) * i) / counts.length;
  return (
    <figure className="weight-histogram">
      <svg
        role="img"
        aria-label={`Histogram of ${label}: ${counts.length} bins from ${formatWeight(lo)} to ${formatWeight(hi)}`}
        width={WIDTH}
        height={HEIGHT}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      >
        {counts.map((c, i) => {
          const h = c ? Math.max(1, (c / most) * HEIGHT) : 0;
          return (
            <rect key={i} x={i * bar} y={HEIGHT - h} width={Math.max(1, bar - 1)} height={h}>
              <title>{`${formatWeight(edge(i))} … ${formatWeight(edge(i + 1))}: ${c} values`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption className="muted">
        {formatWeight(lo)} <span aria-hidden>…</span> {formatWeight(hi)}
      </figcaption>
    </figure>
  );
}
