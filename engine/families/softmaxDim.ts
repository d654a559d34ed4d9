import type { Problem } from '../diagnostics.ts';
import { problem } from '../diagnostics.ts';
import type { Shape } from '../tensor/shape.ts';

/** dim must name an existing axis (PyTorch allows -rank..rank-1). */
export function softmaxDimCheck(dim: number, x: Shape): Problem | null {
  return dim < -x.length || dim >= x.length
    ? problem(
        `dim ${dim} is outside the ${x.length}-d input; use a value from ${-x.length} to ${x.length - 1}.`,
        'dim',
      )
    : null;
}
