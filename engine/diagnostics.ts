// Diagnostics are values, never exceptions: analysis collects them per node so one bad node
// never blanks the analysis of the rest of the graph.

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable code, e.g. 'shape-mismatch', so the UI and tests can match on kind. */
  code: DiagnosticCode;
  severity: Severity;
  /** A sentence that names the problem and says what would fix it. */
  message: string;
  nodeId?: string;
  /** The attribute that causes it, when one does (the inspector highlights that field). */
  attribute?: string;
}

export type DiagnosticCode =
  | 'cycle'
  | 'missing-input'
  | 'extra-input'
  | 'shape-mismatch'
  | 'invalid-attribute'
  | 'unknown-layer'
  | 'upstream-error'
  | 'unaligned-receptive-field'
  | 'dangling-edge'
  | 'duplicate-input'
  | 'suspicious-shape'
  | 'unknown-shape'
  /** Over a limit of engine/limits.ts (a tensor or a port index too large to allocate). */
  | 'too-large'
  /** A layer's own code failed on this node: a bug, reported instead of crashing analysis. */
  | 'internal';

/** What a layer returns when it can't produce an output shape. */
export interface Problem {
  problem: string;
  attribute?: string;
  code?: DiagnosticCode;
  /** 'warning' when the node is still usable (an imported op whose shape can't be inferred). */
  severity?: Severity;
}

export function problem(message: string, attribute?: string, code?: DiagnosticCode): Problem {
  return { problem: message, attribute, code };
}

export function isProblem(x: unknown): x is Problem {
  return typeof x === 'object' && x !== null && 'problem' in x;
}
