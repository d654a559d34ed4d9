// Predict-then-reveal: the Summary and the status bar keep a lesson's hidden totals as "?" until
// every layer that adds to them has been revealed, and forget the reveals with the lesson.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../engine/index.ts';
import { nodeShown, revealKey, totalShown } from '../../renderer/lessons/predict.ts';
import { markRevealed, revealStore } from '../../renderer/lessons/reveals.ts';
import { loadTemplate } from '../helpers/templates.ts';

const doc = loadTemplate('receptive-field-stack');
const a = analyze(doc.graph);
const withParams = [...a.nodes.values()].filter((n) => n.params > 0).map((n) => n.id);

test('a hidden total shows only once every layer with parameters is revealed', () => {
  const hidden = ['params', 'rf'] as const;
  assert.equal(withParams.length, 4, 'four convolutions');
  const revealed = new Set<string>();
  assert.equal(totalShown('params', hidden, revealed, a.nodes), false);
  assert.equal(totalShown('macs', hidden, revealed, a.nodes), true, 'MACs are not hidden here');
  for (const id of withParams.slice(0, 3)) revealed.add(revealKey(id, 'params'));
  assert.equal(totalShown('params', hidden, revealed, a.nodes), false, 'one convolution still hidden');
  revealed.add(revealKey(withParams[3], 'params'));
  assert.equal(totalShown('params', hidden, revealed, a.nodes), true);
  assert.equal(nodeShown('rf', hidden, revealed, withParams[0]), false);
  assert.equal(nodeShown('shape', hidden, revealed, withParams[0]), true);
  assert.equal(totalShown('params', [], new Set(), a.nodes), true, 'no lesson hides nothing');
});

test('reveals belong to the lesson they were made in', () => {
  const lesson = doc.lesson;
  markRevealed(lesson, withParams[0], 'params');
  markRevealed(lesson, withParams[1], 'params');
  assert.equal(revealStore.getState().keys.size, 2);
  const other = { ...(lesson as object) };
  markRevealed(other, withParams[0], 'rf');
  assert.deepEqual([...revealStore.getState().keys], [revealKey(withParams[0], 'rf')]);
  assert.equal(revealStore.getState().lesson, other);
});
