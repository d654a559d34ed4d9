// Issue 16 item 9: what a user typed, or a file that is not a project, gets a sentence that says
// what is wrong in the user's terms: no "got null", no label said twice, no bytes of the file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  analyze,
  formatCount,
  getLayer,
  GraphBuilder,
  MAX_TENSOR_ELEMENTS,
  newDocument,
  parseAttributeInput,
  parseDocument,
} from '../../engine/index.ts';

const conv = getLayer('Conv2d')!;
const message = (key: string, text: string) => {
  const r = parseAttributeInput(conv.attributes[key], text);
  return 'error' in r ? `${key} ${r.error}` : null;
};

describe('Typed attribute values', () => {
  it('say what is wrong with the text, after the field’s label', () => {
    assert.equal(message('out_channels', ''), 'out_channels is empty; type a whole number');
    assert.equal(
      message('out_channels', 'six'),
      "out_channels must be a whole number; 'six' is not a number",
    );
    assert.equal(message('out_channels', '0'), 'out_channels must be at least 1, got 0');
    assert.equal(message('padding', '-1'), "padding can't be negative, got -1");
    assert.equal(message('kernel_size', '3, a'), "kernel_size must be whole numbers; 'a' is not a number");
    for (const text of ['', 'six', '1.5', '-1', '3, a', '[]'])
      for (const key of ['out_channels', 'padding', 'kernel_size', 'stride'])
        assert.doesNotMatch(message(key, text) ?? '', /got null|NaN|\b(\w+) \1\b/, `${key} "${text}"`);
  });

  it('still accept what they accepted', () => {
    assert.deepEqual(parseAttributeInput(conv.attributes.kernel_size, '3 x 5'), { value: [3, 5] });
    assert.deepEqual(parseAttributeInput(conv.attributes.padding, 'same'), { value: 'same' });
    assert.deepEqual(parseAttributeInput(conv.attributes.out_channels, ' 16 '), { value: 16 });
  });
});

describe('A file that is not a project', () => {
  it('is named as such, without quoting its bytes', () => {
    const onnx = String.fromCharCode(0x08, 0x07, 0x12, 0x0c, 0x62, 0x61, 0x63, 0x6b, 0x65, 0x6e, 0x64);
    assert.throws(
      () => parseDocument(onnx),
      // The control characters are what must not appear in the message.
      // eslint-disable-next-line no-control-regex
      (e: Error) => /not a Netwright project/.test(e.message) && !/[\u0000-\u0008]/.test(e.message),
    );
    assert.throws(
      () => parseDocument('{"format": "netwright", "version": 2, "name": "\u0001x" , ]'),
      (e: Error) => /not valid JSON \(.*position \d+.*\)/.test(e.message) && !e.message.includes('\u0001'),
    );
  });
});

describe('Absurd sizes (issue 16 item 5)', () => {
  it('a Conv2d with 10⁹ output channels is refused as it is typed, naming the limit', () => {
    assert.equal(
      message('out_channels', '1000000000'),
      `out_channels must be at most ${formatCount(MAX_TENSOR_ELEMENTS)} (the largest tensor the app allocates, MAX_TENSOR_ELEMENTS), got 1,000,000,000`,
    );
    assert.equal(message('kernel_size', '3, 1000000000')?.includes('MAX_TENSOR_ELEMENTS'), true);
  });

  it('10⁸ channels pass the field but analysis refuses the layer, on the node, from shapes alone', () => {
    const b = new GraphBuilder();
    b.chain(b.input([1, 28, 28]), [['Conv2d', { out_channels: 100_000_000, kernel_size: 5 }]]);
    const before = process.memoryUsage().arrayBuffers;
    const a = analyze(b.graph);
    const conv = b.graph.nodes[1].id;
    const problem = a.nodes.get(conv)!.diagnostics.find((d) => d.code === 'too-large');
    assert.ok(problem, 'a too-large diagnostic on the Conv2d');
    assert.match(problem.message, /out_channels = 100000000/);
    assert.equal(a.nodes.get(conv)!.outputShape, null);
    // Nothing the size of the layer was allocated (its weight alone would be 10 GB).
    assert.ok(process.memoryUsage().arrayBuffers - before < 50 * 2 ** 20);
  });
});

describe('Unsafe integers (issue 13)', () => {
  const concat = getLayer('Concat')!;
  it('are refused as they are typed, short and named: 1e308 is an integer to Number.isInteger', () => {
    for (const text of ['1e308', '-1e308', '9007199254740993', '-134217729']) {
      const r = parseAttributeInput(concat.attributes.dim, text);
      assert.ok('error' in r, `dim "${text}" was accepted`);
      assert.match(r.error, /MAX_TENSOR_ELEMENTS/);
      assert.ok(r.error.length < 140, r.error);
    }
    assert.deepEqual(parseAttributeInput(concat.attributes.dim, '-1'), { value: -1 });
  });

  it('in a project file are a DocumentError naming the node’s attribute', () => {
    const b = new GraphBuilder();
    b.chain(b.input([4]), [['ReLU', {}]]);
    const base = newDocument('x', b.graph);
    const cat = {
      id: 'cat',
      type: 'Concat',
      name: 'cat',
      attributes: { dim: -1e308 },
      position: { x: 0, y: 0 },
    };
    const doc = { ...base, graph: { ...base.graph, nodes: [...base.graph.nodes, cat] } };
    const text = JSON.stringify(doc);
    assert.throws(
      () => parseDocument(text),
      (e: Error) =>
        /graph\.nodes\[2\]\.attributes\.dim/.test(e.message + String((e as { field?: string }).field)) &&
        /at least -134,217,728.*got -1e\+308/.test(e.message),
    );
  });
});
