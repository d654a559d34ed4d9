// What a collapsed block's title can afford at each zoom; the full title stays in the tooltip.

/** A generated stage's size ("Stage 2 at 28×28") stays in the full title and the tooltip, not on a tile. */
const withoutSize = (title: string) =>
  title.replace(/^(Stage \d+) at \d+(×\d+)*( \(\d+ (?:blocks|layers)\))?$/, '$1$3');

/**
 * "res2 (3 blocks)" -> "res2 ×3", "conv3 (9 layers)" -> "conv3": what a block's title can afford
 * when zoomed out (a chain's stage is not a repeat, and its layer count is in the tooltip).
 */
export const shortTitle = (title: string) =>
  withoutSize(title)
    .replace(/^(.*) \((\d+) blocks\)$/, '$1 ×$2')
    .replace(/ \(\d+ layers\)$/, '');

/** "res2 (3 blocks)" -> "res2", "conv3 (9 layers)" -> "conv3": far out, the stage's name alone. */
export const farTitle = (title: string) => withoutSize(title).replace(/ \(\d+ (?:blocks|layers)\)$/, '');
