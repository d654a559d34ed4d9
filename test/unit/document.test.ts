// The project file: validation that names the field, migrations, round trips, atomic saving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { analyze, DocumentError, parseDocument, serializeDocument } from '../../engine/index.ts';
import { saveFileAtomic, SaveError } from '../../host/saveFileAtomic.ts';
import { loadTemplate } from '../helpers/templates.ts';
import { tempDir } from '../helpers/tempDir.ts';

const lenetText = () => serializeDocument(loadTemplate('lenet5'));

function rejects(text: string, field: RegExp | null, message: RegExp) {
  try {
    parseDocument(text);
  } catch (e) {
    assert.ok(e instanceof DocumentError, `expected a DocumentError, got ${e}`);
    if (field) assert.match(e.field ?? '', field);
    assert.match(e.message, message);
    return;
  }
  assert.fail('the document was accepted');
}

test('a saved template parses back to the same document', () => {
  const doc = loadTemplate('resnet18');
  assert.deepEqual(parseDocument(serializeDocument(doc)), doc);
});

test('a truncated file is rejected with a clear message', () => {
  const text = lenetText();
  rejects(text.slice(0, text.length / 2), null, /not valid JSON .* truncated/);
});

test('wrong types name the field', () => {
  const doc = JSON.parse(lenetText());
  doc.graph.nodes[1].position.x = 'left';
  rejects(JSON.stringify(doc), /^graph\.nodes\[1\]\.position\.x$/, /number/);
  const doc2 = JSON.parse(lenetText());
  doc2.graph.nodes[1].attributes.kernel_size = -3;
  rejects(JSON.stringify(doc2), /^graph\.nodes\[1\]\.attributes\.kernel_size$/, /at least 1/);
});

test('an unknown layer type and a future version are refused with what to do', () => {
  const doc = JSON.parse(lenetText());
  doc.graph.nodes[2].type = 'QuantumConv';
  rejects(JSON.stringify(doc), /^graph\.nodes\[2\]\.type$/, /unknown layer type 'QuantumConv'/);
  rejects(
    JSON.stringify({ ...JSON.parse(lenetText()), version: 99 }),
    /^version$/,
    /newer Netwright .* update Netwright/,
  );
  rejects('[1,2,3]', null, /JSON object/);
  rejects(JSON.stringify({ format: 'keras', version: 2 }), /^format$/, /not a Netwright project/);
});

test('edges must point at nodes and one source per input port', () => {
  const doc = JSON.parse(lenetText());
  doc.graph.edges[0].target = 'ghost';
  rejects(JSON.stringify(doc), /^graph\.edges\[0\]\.target$/, /no node has the id 'ghost'/);
  const doc2 = JSON.parse(lenetText());
  doc2.graph.edges.push({ ...doc2.graph.edges[1], id: 'dup', source: doc2.graph.nodes[0].id });
  rejects(JSON.stringify(doc2), /targetPort$/, /two sources/);
});

test('version 1 files (nodes at the top level, attrs, from/to edges) migrate to the current format', () => {
  const v1 = {
    version: 1,
    name: 'old',
    nodes: [
      { id: 'in', type: 'Input', attrs: { shape: [784] }, x: 0, y: 0 },
      { id: 'fc', type: 'Linear', name: 'head', attrs: { out_features: 10 }, x: 0, y: 100 },
    ],
    edges: [{ from: 'in', to: 'fc', port: 0 }],
  };
  const doc = parseDocument(JSON.stringify(v1));
  assert.equal(doc.version, 2);
  assert.equal(doc.graph.nodes[1].name, 'head');
  assert.equal(doc.graph.nodes[1].attributes.bias, true, 'missing attributes take their defaults');
  assert.equal(analyze(doc.graph).totals.params, 7850);
});

test('saving is atomic: the file is replaced whole and no temporary file is left', async () => {
  const dir = tempDir('nw-save-');
  const path = join(dir, 'model.netwright.json');
  writeFileSync(path, 'old');
  await saveFileAtomic(path, lenetText());
  assert.equal(readFileSync(path, 'utf8'), lenetText());
  assert.deepEqual(readdirSync(dir), ['model.netwright.json']);
});

test('a full disk while saving keeps the previous file and says what to do', async () => {
  const dir = tempDir('nw-full-');
  const path = join(dir, 'model.netwright.json');
  writeFileSync(path, 'previous work');
  const fullDisk = {
    ...fs,
    open: (async (p: string, flags: string) => {
      const handle = await fs.open(p, flags);
      return Object.assign(Object.create(handle), {
        writeFile: async () => {
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      });
    }) as typeof fs.open,
  };
  await assert.rejects(saveFileAtomic(path, lenetText(), fullDisk), (e: unknown) => {
    assert.ok(e instanceof SaveError);
    assert.match(
      e.message,
      /Could not save model\.netwright\.json: the disk is full.*previous version is unchanged/,
    );
    return true;
  });
  assert.equal(readFileSync(path, 'utf8'), 'previous work');
  assert.deepEqual(readdirSync(dir), ['model.netwright.json']);
});
