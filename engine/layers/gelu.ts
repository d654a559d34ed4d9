import { elementwiseLayer } from '../families/elementwise.ts';
import { choice } from '../layer.ts';
import {
  dataAndScalar,
  floatValues,
  isData,
  near,
  onlyAttrs,
  onlyReader,
  type NodeView,
  type OnnxImport,
  type OnnxMatch,
  type ValueView,
} from '../onnx/import/view.ts';

/**
 * GELU: the Gelu operator (opset 20), or its exact form spelled with Erf, as PyTorch writes it
 * (x / √2 -> Erf -> +1 -> × x -> × 0.5) and as Netwright's own export does (x × √½ -> Erf -> +1,
 * times x × 0.5).
 */
/** The other input of a two-input node, beside the value named `name`. */
function otherInput(n: NodeView, name: string): ValueView | null {
  return n.inputs.length === 2 ? (n.inputs.find((v) => v && v.name !== name) ?? null) : null;
}

/** A Mul by the scalar `c` (either operand order) reading `v`, when it is v's only reader. */
function timesScalar(from: NodeView, c: number): NodeView | null {
  const m = onlyReader(from, 'Mul');
  const s = m && dataAndScalar(m);
  return m && s && near(s.c, c) ? m : null;
}

/**
 * The nodes computing 0.5 · x · v from `v` (the output of `one`, 1 + erf(..) or 1 + tanh(..)),
 * in any of the associations exporters write: (x·v)·0.5, (0.5·x)·v with the half computed
 * separately, (v·0.5)·x.
 */
function halfXTimes(x: ValueView, one: NodeView): NodeView[] | null {
  const times = onlyReader(one, 'Mul');
  const other = times && otherInput(times, one.outputs[0].name);
  if (!times || !other) return null;
  if (other.name === x.name) {
    const last = timesScalar(times, 0.5);
    return last ? [times, last] : null;
  }
  if (other.value && near(floatValues(other)?.[0] ?? NaN, 0.5) && other.value.data.length === 1) {
    const last = onlyReader(times, 'Mul');
    return last && otherInput(last, times.outputs[0].name)?.name === x.name ? [times, last] : null;
  }
  const half = other.producer;
  const h = half?.opType === 'Mul' ? dataAndScalar(half) : null;
  return half && h && h.x.name === x.name && near(h.c, 0.5) ? [half, times] : null;
}

/** `first`'s only reader when it is an Add of the scalar 1. */
function plusOne(first: NodeView | null): NodeView | null {
  const add = first && onlyReader(first, 'Add');
  const a = add && dataAndScalar(add);
  return add && a && near(a.c, 1) ? add : null;
}

/** Exact GELU from its first node x/√2 (or x·√½): Erf, + 1, then times 0.5·x. */
function erfForm(node: NodeView, x: ValueView): NodeView[] | null {
  const erf = onlyReader(node, 'Erf');
  const add = plusOne(erf);
  const rest = add && halfXTimes(x, add);
  return erf && add && rest ? [erf, add, ...rest] : null;
}

/**
 * Tanh GELU from its first node x·x (or Pow(x, 3)): x³ · 0.044715 + x, · √(2/π), Tanh, + 1, then
 * times 0.5·x, as PyTorch writes GELU(approximate='tanh') and as Netwright's export does.
 */
function tanhForm(node: NodeView, x: ValueView): NodeView[] | null {
  let cube: NodeView | null = node;
  const nodes: NodeView[] = [];
  if (node.opType === 'Mul') {
    cube = onlyReader(node, 'Mul');
    if (!cube || otherInput(cube, node.outputs[0].name)?.name !== x.name) return null;
    nodes.push(cube);
  }
  const scaled = timesScalar(cube, 0.044715);
  const sum = scaled && onlyReader(scaled, 'Add');
  if (!scaled || !sum || otherInput(sum, scaled.outputs[0].name)?.name !== x.name) return null;
  const inner = timesScalar(sum, Math.sqrt(2 / Math.PI));
  const tanh = inner && onlyReader(inner, 'Tanh');
  const add = plusOne(tanh);
  const rest = add && halfXTimes(x, add);
  return tanh && add && rest ? [...nodes, scaled, sum, inner!, tanh, add, ...rest] : null;
}

/**
 * GELU: the Gelu operator (opset 20), or spelled out in primitives as exporters write it: the
 * exact form with Erf (x / √2 or x × √½ first) and the tanh form (x·x or x³ first).
 */
function geluImport(): OnnxImport {
  return {
    opTypes: ['Gelu', 'Div', 'Mul', 'Pow'],
    read: (node): OnnxMatch | null => {
      if (node.opType === 'Gelu') {
        const approximate = node.attrs.string('approximate', 'none');
        return isData(node.inputs[0]) &&
          onlyAttrs(node, ['approximate']) &&
          ['none', 'tanh'].includes(approximate)
          ? { attributes: { approximate } }
          : null;
      }
      if (node.attrs.names().length || node.inputs.length !== 2) return null;
      const [a, b] = node.inputs;
      if (node.opType === 'Mul' && a && b && a.name === b.name && isData(a)) {
        const nodes = tanhForm(node, a);
        return nodes ? { attributes: { approximate: 'tanh' }, absorbs: nodes } : null;
      }
      const s = dataAndScalar(node);
      if (!s) return null;
      if (node.opType === 'Pow') {
        const nodes = s.index === 0 && s.c === 3 ? tanhForm(node, s.x) : null;
        return nodes ? { attributes: { approximate: 'tanh' }, absorbs: nodes } : null;
      }
      const scaled =
        (node.opType === 'Div' && s.index === 0 && near(s.c, Math.SQRT2)) ||
        (node.opType === 'Mul' && near(s.c, Math.SQRT1_2));
      const nodes = scaled ? erfForm(node, s.x) : null;
      return nodes ? { attributes: { approximate: 'none' }, inputs: [s.index], absorbs: nodes } : null;
    },
  };
}

export default elementwiseLayer({
  type: 'GELU',
  torch: 'nn.GELU',
  summary: 'x·Φ(x), the Gaussian error linear unit used in transformers.',
  attributes: {
    approximate: choice({
      default: 'none',
      options: ['none', 'tanh'],
      doc: "'tanh' uses the tanh approximation.",
    }),
  },
  // Exact: Φ(x) + x φ(x). Tanh form: 0.5(1 + t) + 0.5 x (1 - t²) c (1 + 3·0.044715 x²).
  gradient: ({ b, dy, inputs, attrs }) => {
    const x = inputs[0];
    const mul = (p: string, q: string) => b.op('Mul', [p, q]);
    const add = (p: string, q: string) => b.op('Add', [p, q]);
    let slope: string;
    if (attrs.approximate === 'tanh') {
      const c = Math.sqrt(2 / Math.PI);
      const x2 = mul(x, x);
      const t = b.op('Tanh', [mul(add(x, mul(mul(x2, x), b.scalar(0.044715))), b.scalar(c))]);
      const dt = mul(
        b.op('Sub', [b.scalar(1), mul(t, t)]),
        mul(add(b.scalar(1), mul(x2, b.scalar(3 * 0.044715))), b.scalar(c)),
      );
      slope = add(mul(add(t, b.scalar(1)), b.scalar(0.5)), mul(mul(x, dt), b.scalar(0.5)));
    } else {
      const cdf = mul(add(b.op('Erf', [mul(x, b.scalar(Math.SQRT1_2))]), b.scalar(1)), b.scalar(0.5));
      const pdf = mul(b.op('Exp', [mul(mul(x, x), b.scalar(-0.5))]), b.scalar(1 / Math.sqrt(2 * Math.PI)));
      slope = add(cdf, mul(x, pdf));
    }
    return { inputs: [mul(dy, slope)], params: {} };
  },
  // Opset 20 has Gelu; before it (and in training graphs, whose backward reuses nothing of it):
  // 0.5·x·(1 + erf(x/√2)), or the tanh form.
  toOnnx: ({ b, inputs, node, output, attrs, opset, training }) => {
    const x = inputs[0];
    if (!training && (opset ?? 17) >= 20)
      return b.op('Gelu', [x], { approximate: attrs.approximate! }, { name: node, output });
    let inner: string;
    if (attrs.approximate === 'tanh') {
      const cube = b.op('Mul', [b.op('Mul', [x, x]), x]);
      const poly = b.op('Add', [x, b.op('Mul', [cube, b.scalar(0.044715)])]);
      inner = b.op('Tanh', [b.op('Mul', [poly, b.scalar(Math.sqrt(2 / Math.PI))])]);
    } else {
      inner = b.op('Erf', [b.op('Mul', [x, b.scalar(Math.SQRT1_2)])]);
    }
    const half = b.op('Mul', [x, b.scalar(0.5)]);
    return b.op('Mul', [half, b.op('Add', [inner, b.scalar(1)])], {}, { name: node, output });
  },
  fromOnnx: geluImport(),
  gradientCases: [
    { attributes: {}, inputs: [[2, 3, 4]] },
    { attributes: { approximate: 'tanh' }, inputs: [[2, 3, 4]] },
  ],
});
