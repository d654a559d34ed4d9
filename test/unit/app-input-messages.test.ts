// Issue 16 item 9: what a user typed, or a file that is not a project, gets a sentence that says
// what is wrong in the user's terms: no "got null", no label said twice, no bytes of the file.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getLayer, parseAttributeInput, parseDocument } from '../../engine/index.ts';

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
      (e: Error) => /not a Netwright project/.test(e.message) && !/[\u0000-\u0008]/.test(e.message),
    );
    assert.throws(
      () => parseDocument('{"format": "netwright", "version": 2, "name": "\u0001x" , ]'),
      (e: Error) => /not valid JSON \(.*position \d+.*\)/.test(e.message) && !e.message.includes('\u0001'),
    );
  });
});
