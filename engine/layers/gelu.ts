import { elementwiseLayer } from '../families/elementwise.ts';
import { choice } from '../layer.ts';
import {
  dataAndScalar,
  isData,
  near,
  onlyAttrs,
  onlyReader,
  type NodeView,
  type OnnxImport,
  type OnnxMatch,
} from '../onnx/import/view.ts';

/**
 * GELU: the Gelu operator (opset 20), or its exact form spelled with Erf, as PyTorch writes it
 * (x / √2 -> Erf -> +1 -> × x -> × 0.5) and as Netwright's own export does (x × √½ -> Erf -> +1,
 * times x × 0.5).
 */
function geluImport(): OnnxImport {
  return {
    opTypes: ['Gelu', 'Div', 'Mul'],
    read: (node): OnnxMatch | null => {
      if (node.opType === 'Gelu') {
        const approximate = node.attrs.string('approximate', 'none');
        return isData(node.inputs[0]) &&
          onlyAttrs(node, ['approximate']) &&
          ['none', 'tanh'].includes(approximate)
          ? { attributes: { approximate } }
          : null;
      }
      if (node.attrs.names().length) return null;
      const s = dataAndScalar(node);
      if (!s) return null;
      const match = (absorbs: NodeView[]): OnnxMatch => ({
        attributes: { approximate: 'none' },
        inputs: [s.index],
        absorbs,
      });
      const erfPlusOne = (first: NodeView) => {
        const erf = onlyReader(first, 'Erf');
        const add = erf && onlyReader(erf, 'Add');
        const a = add && dataAndScalar(add);
        return erf && add && a && near(a.c, 1) ? { erf, add } : null;
      };
      const scaled =
        (node.opType === 'Div' && s.index === 0 && near(s.c, Math.SQRT2)) ||
        (node.opType === 'Mul' && near(s.c, Math.SQRT1_2));
      if (scaled) {
        const inner = erfPlusOne(node);
        const times = inner && onlyReader(inner.add, 'Mul');
        const other = times?.inputs.find((v) => v && v.name !== inner!.add.outputs[0].name);
        if (!inner || !times || !other) return null;
        if (other.name === s.x.name) {
          const last = onlyReader(times, 'Mul');
          const l = last && dataAndScalar(last);
          return last && l && near(l.c, 0.5) ? match([inner.erf, inner.add, times, last]) : null;
        }
        const half = other.producer;
        const h = half?.opType === 'Mul' ? dataAndScalar(half) : null;
        return half && h && h.x.name === s.x.name && near(h.c, 0.5)
          ? match([inner.erf, inner.add, half, times])
          : null;
      }
      // Netwright's export computes x × 0.5 first: start from there.
      if (node.opType !== 'Mul' || !near(s.c, 0.5)) return null;
      const times = onlyReader(node, 'Mul');
      const add = times?.inputs.find((v) => v && v.name !== node.outputs[0].name)?.producer;
      const a = add?.opType === 'Add' ? dataAndScalar(add) : null;
      const erf = a?.x.producer;
      const first = erf?.opType === 'Erf' ? erf.inputs[0]?.producer : undefined;
      const f = first?.opType === 'Mul' ? dataAndScalar(first) : null;
      if (!times || !add || !a || !near(a.c, 1) || !erf || !first || !f) return null;
      return f.x.name === s.x.name && near(f.c, Math.SQRT1_2) ? match([first, erf, add, times]) : null;
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
});
