// Issue 13 items 4, 6 and 7 from their reproducers, and the analysis limits: an edit or a damaged
// file gives a diagnostic or a DocumentError naming the field, in the engine, the CLI and over
// the host, never a TypeError or a stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  analyze,
  disconnect,
  DocumentError,
  exportInference,
  MAX_TENSOR_ELEMENTS,
  parseDocument,
  resolveWeights,
  serializeDocument,
  setAttribute,
  validateDocument,
} from '../../engine/index.ts';
import { decodeModel, encodeModel } from '../../engine/onnx/proto.ts';
import { importOnnx } from '../../engine/onnx/import.ts';
import { float32Tensor, int64Tensor } from '../../engine/onnx/tensor.ts';
import type { OnnxModel } from '../../engine/onnx/types.ts';
import { connectedHost } from '../helpers/host.ts';
import { loadTemplate, repoRoot } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const dir = tempDir('nw-damaged-');
const host = connectedHost();
after(() => host.service.close());

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'netwright.js'), ...args], {
    encoding: 'utf8',
    cwd: repoRoot,
  });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe('item 4: deleting a middle input edge of a Concat', () => {
  it('gives a missing-input diagnostic on the Concat, not a TypeError', () => {
    const doc = loadTemplate('inception-naive');
    const edge = doc.graph.edges.find((e) => e.target === 'concat_1' && e.targetPort === 2)!;
    const a = analyze(disconnect(doc.graph, [edge.id]));
    const errors = a.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, 'missing-input');
    assert.equal(errors[0].nodeId, 'concat_1');
    assert.match(errors[0].message, /concat_1 has nothing connected to input 'x2'/);
  });

  it('`summary` of the saved file prints the table, no stack trace', () => {
    const doc = loadTemplate('inception-naive');
    const edge = doc.graph.edges.find((e) => e.target === 'concat_1' && e.targetPort === 2)!;
    const path = join(dir, 'holed.netwright.json');
    writeFileSync(path, serializeDocument({ ...doc, graph: disconnect(doc.graph, [edge.id]) }));
    const r = cli('summary', path);
    assert.doesNotMatch(r.stderr + r.stdout, /TypeError|\n\s+at /);
    assert.match(r.stdout, /concat_1/);
  });
});

/** Damaged but schema-valid files, each with the field its error must name. */
function damaged(): { name: string; text: string; field: RegExp; atLoad: boolean }[] {
  const lenet = JSON.parse(serializeDocument(loadTemplate('lenet5')));
  const withWeight = (data: string, shape: number[]) =>
    JSON.stringify({ ...lenet, weights: { conv2d_1: { weight: { shape, dtype: 'float32', data } } } });
  return [
    {
      name: 'weight bytes not a multiple of 4',
      text: withWeight('AAAAAAA=', [1]),
      field: /weights\.conv2d_1\.weight\.data: holds 5 bytes/,
      atLoad: true,
    },
    {
      name: 'invalid base64',
      text: withWeight('!!!!', [1]),
      field: /weights\.conv2d_1\.weight\.data: is not base64/,
      atLoad: true,
    },
    {
      name: 'a wrong weight count',
      text: withWeight('AAAAAA==', [1]),
      field: /weights\.conv2d_1\.weight: holds 1 values but the layer needs \[6, 1, 5, 5\]/,
      atLoad: false,
    },
    { name: 'nodes: [null]', text: '{"version":1,"nodes":[null]}', field: /nodes\[0\]/, atLoad: true },
    {
      name: 'non-array nodes',
      text: '{"version":1,"nodes":{}}',
      field: /nodes: .*expected array/,
      atLoad: true,
    },
    {
      name: 'non-array edges',
      text: '{"version":1,"nodes":[],"edges":"x"}',
      field: /edges: .*expected array/,
      atLoad: true,
    },
    {
      name: 'nodes: [null] in version 2',
      text: JSON.stringify({ ...lenet, graph: { nodes: [null], edges: [] } }),
      field: /graph\.nodes\[0\]/,
      atLoad: true,
    },
  ];
}

describe('item 6: damaged but schema-valid project files', () => {
  for (const c of damaged()) {
    it(`${c.name}: DocumentError naming the field in the engine, the CLI and the host`, async () => {
      const path = join(dir, `${c.name.replace(/\W+/g, '-')}.netwright.json`);
      writeFileSync(path, c.text);
      const use = () => {
        const doc = parseDocument(c.text);
        return exportInference(doc);
      };
      assert.throws(use, (e: unknown) => e instanceof DocumentError && c.field.test(e.message));
      // Every command loads a file the same way; weights that don't fit are found when used.
      const commands = c.atLoad
        ? [['summary', path]]
        : [
            ['export', path, '-o', join(dir, 'out.onnx')],
            ['train', path, '--data', 'mnist', '--limit', '64', '--epochs', '1'],
          ];
      for (const args of commands) {
        const r = cli(...args);
        assert.equal(r.status, 1, `${args[0]}: ${r.stderr}`);
        assert.match(r.stderr, c.field, args[0]);
        assert.doesNotMatch(r.stderr, /\n\s+at /, `${args[0]} printed a stack trace`);
      }
      if (c.atLoad)
        await assert.rejects(host.client.parseProject(c.text), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'invalid-document');
          assert.match(e.message, c.field);
          return true;
        });
      else
        await assert.rejects(
          host.client.exportOnnx(parseDocument(c.text), {}),
          (e: Error & { code?: string }) => e.code === 'invalid-document' && c.field.test(e.message),
        );
    });
  }

  it('an OnnxOp fed from a sourcePort it lacks: an error on the node, export refuses with it', () => {
    const onnx: OnnxModel = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        nodes: [
          { opType: 'Sin', domain: '', name: 's', inputs: ['x'], outputs: ['a'], attributes: [] },
          { opType: 'Cos', domain: '', name: 'c', inputs: ['a'], outputs: ['y'], attributes: [] },
        ],
        initializers: [],
        inputs: [{ name: 'x', type: { kind: 'tensor', elemType: 1, shape: [{ param: 'N' }, { value: 3 }] } }],
        outputs: [{ name: 'y' }],
        valueInfo: [],
      },
    };
    const { doc } = importOnnx(onnx);
    const file = JSON.parse(serializeDocument(doc));
    const [s, c] = ['s', 'c'].map(
      (name) => file.graph.nodes.find((n: { name: string }) => n.name === name).id,
    );
    const edge = file.graph.edges.find(
      (e: { source: string; target: string }) => e.source === s && e.target === c,
    );
    edge.sourcePort = 3;
    delete edge.id;
    const damagedDoc = parseDocument(JSON.stringify(file));
    const errors = analyze(damagedDoc.graph).diagnostics.filter((d) => d.severity === 'error');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0].message, /input 0 comes from output 3 of s, which has 1 output/);
    assert.throws(() => exportInference(damagedDoc), /input 0 comes from output 3 of s/);
  });

  it('resolveWeights names the field of a stored tensor that does not fit its layer', () => {
    const doc = loadTemplate('lenet5');
    const weights = {
      linear_3: { bias: { shape: [3], dtype: 'float32' as const, data: 'AAAAAAAAAAAAAAAA' } },
    };
    assert.throws(
      () => resolveWeights(analyze(doc.graph), weights),
      (e: unknown) =>
        e instanceof DocumentError && /^weights\.linear_3\.bias: holds 3 values/.test(e.message),
    );
  });
});

describe('item 7: ONNX Concat over an INT64 and a FLOAT constant', () => {
  it('imports with a note instead of "Cannot convert 0 to a BigInt"', () => {
    const model: OnnxModel = {
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        nodes: [
          {
            opType: 'Concat',
            domain: '',
            name: 'c',
            inputs: ['a', 'b'],
            outputs: ['y'],
            attributes: [{ name: 'axis', type: 'INT', value: 0 }],
          },
        ],
        initializers: [int64Tensor('a', [1], [0]), float32Tensor('b', [1], [0])],
        inputs: [],
        outputs: [{ name: 'y' }],
        valueInfo: [],
      },
    };
    const bytes = encodeModel(model);
    assert.ok(bytes.length < 100, `a small file (${bytes.length} bytes)`);
    const result = importOnnx(decodeModel(bytes));
    assert.match(
      result.report.notes.join('\n'),
      /'c' \(Concat\): Concat joins tensors of different element types \(INT64, FLOAT\)/,
    );
  });
});

describe('analysis refuses absurd tensors before allocating', () => {
  it('a Conv2d with 10^9 output channels is an error naming out_channels', () => {
    const doc = loadTemplate('lenet5');
    // 10^9 is refused as the attribute is set (no number attribute exceeds MAX_TENSOR_ELEMENTS);
    // 10^8 is a valid attribute, and analysis refuses the tensors it would make.
    const refused = setAttribute(doc.graph, 'conv2d_1', 'out_channels', 1e9);
    assert.match('error' in refused ? refused.error : '', /MAX_TENSOR_ELEMENTS/);
    const graph = setAttribute(doc.graph, 'conv2d_1', 'out_channels', 1e8);
    assert.ok(!('error' in graph));
    const t0 = performance.now();
    const a = analyze(graph);
    assert.ok(performance.now() - t0 < 200);
    const d = a.nodes.get('conv2d_1')!.diagnostics[0];
    assert.equal(d.code, 'too-large');
    assert.equal(d.attribute, 'out_channels');
    assert.match(d.message, /conv2d_1: .*over the limit of 134,217,728 \(MAX_TENSOR_ELEMENTS\)/);
    assert.equal(MAX_TENSOR_ELEMENTS, 2 ** 27);
  });

  it('an Input whose shape is too large per sample is an error naming shape', () => {
    const doc = loadTemplate('lenet5');
    const graph = setAttribute(doc.graph, 'input_1', 'shape', [1, 30000, 30000]);
    assert.ok(!('error' in graph));
    const d = analyze(graph).nodes.get('input_1')!.diagnostics[0];
    assert.equal(d.code, 'too-large');
    assert.equal(d.attribute, 'shape');
  });

  it('a stored tensor with an absurd shape is refused when the file is read', () => {
    const lenet = JSON.parse(serializeDocument(loadTemplate('lenet5')));
    lenet.weights = { conv2d_1: { weight: { shape: [1 << 20, 1 << 20], dtype: 'float32', data: '' } } };
    assert.throws(() => validateDocument(lenet), /weights\.conv2d_1\.weight\.shape: .*MAX_TENSOR_ELEMENTS/);
  });
});
