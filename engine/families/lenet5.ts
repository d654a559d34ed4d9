// LeNet-5's C3 connection table (LeCun et al. 1998, Table I), as [output map][input map]: each
// of the 16 C3 maps sees 3, 4 or all 6 of the S2 maps, 60 connections in all. Used by the
// Conv2d example that checks its 1,516 parameters and by the lenet5-c3 template.
export const LENET5_C3_TABLE = [
  [1, 1, 1, 0, 0, 0],
  [0, 1, 1, 1, 0, 0],
  [0, 0, 1, 1, 1, 0],
  [0, 0, 0, 1, 1, 1],
  [1, 0, 0, 0, 1, 1],
  [1, 1, 0, 0, 0, 1],
  [1, 1, 1, 1, 0, 0],
  [0, 1, 1, 1, 1, 0],
  [0, 0, 1, 1, 1, 1],
  [1, 0, 0, 1, 1, 1],
  [1, 1, 0, 0, 1, 1],
  [1, 1, 1, 0, 0, 1],
  [1, 1, 0, 1, 1, 0],
  [0, 1, 1, 0, 1, 1],
  [1, 0, 1, 1, 0, 1],
  [1, 1, 1, 1, 1, 1],
];
