// The user's own sequences: a text file as next-character windows and CSV rows as sequences.
// Windows are checked against the definition on a text small enough to write out by hand; a text
// uploaded through the HostApi trains a character LSTM below the entropy of its own character
// frequencies (what a model that ignores the context scores); bad files get named errors.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { grammarText, parseCsv, textWindows } from '../../engine/data/index.ts';
import { GraphBuilder, newDocument } from '../../engine/index.ts';
import { loadText } from '../../host/data/text.ts';
import { parseDataFlag } from '../../cli/train.ts';
import { connectedHost } from '../helpers/host.ts';
import { tempDir } from '../helpers/tempDir.ts';

const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64');

describe('A text as next-character windows', () => {
  it('cuts every window with the character after it, ids in code-point order', () => {
    const { dataset, stride } = textWindows('abcabd', { length: 2, name: 'tiny.txt' });
    assert.equal(stride, 1);
    assert.deepEqual(dataset.classNames, ['a', 'b', 'c', 'd']);
    assert.deepEqual(dataset.inputShape, [2]);
    // ab→c, bc→a, ca→b, ab→d
    assert.deepEqual([...dataset.x], [0, 1, 1, 2, 2, 0, 0, 1]);
    assert.deepEqual([...dataset.y], [2, 0, 1, 3]);
  });

  it('counts a character outside the BMP as one, and names whitespace classes', () => {
    const { dataset } = textWindows('a 🐍\na 🐍\n', { length: 3 });
    assert.deepEqual(dataset.classNames, ['newline', 'space', 'a', '🐍']);
    assert.equal(dataset.length, 8 - 3);
  });

  it('takes every k-th window when all of them would exceed the size budget, and says so', () => {
    const text = 'abcdefghij'.repeat(10); // 100 characters, 92 windows of 8
    const { dataset, stride, notes } = textWindows(text, { length: 8, maxElements: 200 });
    assert.equal(stride, Math.ceil((92 * 8) / 200));
    assert.ok(dataset.x.length <= 200);
    // The second window starts `stride` characters in.
    assert.deepEqual([...dataset.x.subarray(8, 16)], [4, 5, 6, 7, 8, 9, 0, 1]);
    assert.match(notes.join(' '), /a window starts every 4 characters/);
  });

  it('refuses a text too short for one window, or with too many different characters', () => {
    assert.throws(
      () => textWindows('abc', { length: 3, name: 'short.txt' }),
      /short\.txt: 3 characters; a window of 3 needs at least 4/,
    );
    const many = Array.from({ length: 300 }, (_, i) => String.fromCodePoint(0x4e00 + i)).join('');
    assert.throws(
      () => textWindows(many, { name: 'cjk.txt' }),
      /cjk\.txt: the text holds 300 different characters; a character model takes at most 256/,
    );
  });

  it('from disk: a file that is not UTF-8 is named', async () => {
    const dir = tempDir('nw-text-');
    const file = join(dir, 'image.bin');
    writeFileSync(file, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x00, 0x80]));
    await assert.rejects(loadText(file), /image\.bin: not UTF-8 text/);
  });
});

describe('CSV rows as sequences', () => {
  it('give [steps, 1] samples, with numeric targets for regression', () => {
    const ds = parseCsv('t0,t1,t2,next\n1,2,3,4\n2,4,6,8\n', { sequence: true, regression: true });
    assert.deepEqual(ds.inputShape, [3, 1]);
    assert.equal(ds.numClasses, 0);
    assert.deepEqual([...ds.x], [1, 2, 3, 2, 4, 6]);
    assert.deepEqual([...ds.y], [4, 8]);
  });

  it('the CLI reads text:<file>,<window> and csv:<file>,regression,sequence', () => {
    assert.deepEqual(parseDataFlag('text:notes, old.txt,12', {}), {
      kind: 'text',
      path: 'notes, old.txt',
      length: 12,
    });
    const csv = parseDataFlag('csv:series.csv,regression,sequence', {});
    assert.deepEqual(csv, { kind: 'csv', path: 'series.csv', regression: true, sequence: true });
  });
});

describe('A text file uploaded in the app', () => {
  it('trains in windows as long as the network’s Input, whatever window the upload was previewed with', async () => {
    const text = grammarText(600, 4);
    const { client, finished } = connectedHost();
    const info = await client.addDataset({
      format: 'text',
      files: [{ path: 'story.txt', base64: b64(text) }],
      options: { window: 8 },
    });
    const chars = new Set(text).size;
    const b = new GraphBuilder();
    b.chain(b.input([6]), [
      ['Embedding', { num_embeddings: chars, embedding_dim: 4 }],
      ['Flatten'],
      ['Linear', { out_features: chars }],
    ]);
    const run = await client.startTraining({
      document: newDocument('six', b.graph),
      dataset: { kind: 'file', id: info.id },
      config: { epochs: 1, batchSize: 16, loss: 'cross-entropy', optimizer: { kind: 'sgd' }, lr: 0.1 },
    });
    assert.equal(run.trainSamples + run.testSamples, text.length - 6);
    assert.equal((await finished(run.runId)).at(-1)?.event, 'finished');
  });

  it('previews as windows and trains a character LSTM below the entropy of its character frequencies', async () => {
    const text = grammarText(4000, 3);
    const { client, finished } = connectedHost();
    const info = await client.addDataset({
      format: 'text',
      files: [{ path: 'story.txt', base64: b64(text) }],
      options: { window: 8 },
    });
    const chars = [...new Set(text)].length;
    assert.deepEqual(info.inputShape, [8]);
    assert.equal(info.numClasses, chars);
    assert.equal(info.samples, text.length - 8);

    // What a model that ignores the window scores at best: the entropy of the character counts.
    const counts = new Map<string, number>();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const unigram = -[...counts.values()].reduce(
      (s, c) => s + (c / text.length) * Math.log(c / text.length),
      0,
    );

    const b = new GraphBuilder();
    b.chain(b.input([8]), [
      ['Embedding', { num_embeddings: chars, embedding_dim: 12 }],
      ['LSTM', { hidden_size: 32 }],
      ['Flatten'],
      ['Linear', { out_features: chars }],
    ]);
    const { runId, trainSamples, testSamples } = await client.startTraining({
      document: newDocument('story', b.graph),
      dataset: { kind: 'file', id: info.id, seed: 1 },
      config: {
        epochs: 6,
        batchSize: 32,
        loss: 'cross-entropy',
        optimizer: { kind: 'adam' },
        lr: 0.01,
        seed: 1,
      },
    });
    const events = await finished(runId);
    // Previewed with windows of 8; trained with the 8 the Input reads.
    assert.equal(trainSamples + testSamples, text.length - 8);

    const epochs = events.filter((e) => e.event === 'epoch');
    const last = epochs.at(-1);
    assert.ok(last?.event === 'epoch' && last.testLoss !== null);
    console.log(
      `text upload: test loss ${last.testLoss.toFixed(3)} nats; counts alone ${unigram.toFixed(3)}`,
    );
    assert.ok(
      last.testLoss < 0.8 * unigram,
      `test loss ${last.testLoss} against ${unigram} nats from counts alone`,
    );
  });
});
