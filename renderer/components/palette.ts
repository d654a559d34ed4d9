// The one qualitative palette for anything told apart by colour alone: chart lines, race
// contestants, dataset classes, receptive-field paths. Okabe & Ito (2008), "Color Universal
// Design", whose colours stay distinct for deuteranopes and protanopes (test/unit/palette.test.ts
// checks every pair under simulated deuteranopia and protanopia). Their black is left out because
// it vanishes on the dark theme; yellow comes last because thin yellow lines are faint on white.
export const QUALITATIVE = [
  '#0072B2', // blue
  '#E69F00', // orange
  '#009E73', // bluish green
  '#CC79A7', // reddish purple
  '#D55E00', // vermillion
  '#56B4E9', // sky blue
  '#F0E442', // yellow
] as const;

export const qualitative = (i: number): string => QUALITATIVE[i % QUALITATIVE.length];

/** Dash patterns for when lines outnumber the colours: the second round of colours is dashed. */
export const cycleDash = (i: number): number[] | undefined =>
  i < QUALITATIVE.length
    ? undefined
    : [
        [6, 4],
        [2, 3],
        [10, 3, 2, 3],
      ][Math.floor(i / QUALITATIVE.length - 1) % 3];
