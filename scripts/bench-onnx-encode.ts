// ONNX encode of a big model: encodeModel (large raw_data spliced in, engine/onnx/proto/bigTensors.ts)
// against protobufjs encoding the whole message, interleaved, with a byte-for-byte check.
//   node --import tsx scripts/bench-onnx-encode.ts [--model vgg19|resnet50] [--rounds 3]
// The model is a shared light fixture imported and exported with its (ConstantOfShape) weights.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportInference } from '../engine/index.ts';
import { decodeModel, encodeModel, importOnnx } from '../engine/onnx/index.ts';

const { values } = parseArgs({
  options: { model: { type: 'string', default: 'vgg19' }, rounds: { type: 'string', default: '3' } },
});
const file = join(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'fixtures',
  'onnx',
  'light',
  `light_${values.model}.onnx`,
);
const imported = importOnnx(decodeModel(new Uint8Array(readFileSync(file))), { embedWeights: false });
const model = exportInference(imported.doc, { weights: imported.weights });

const time = (f: () => Uint8Array): [number, Uint8Array] => {
  const t0 = performance.now();
  const bytes = f();
  return [performance.now() - t0, bytes];
};
for (let round = 1; round <= Number(values.rounds); round++) {
  const [whole, a] = time(() => encodeModel(model, { spliceRawBytes: Infinity }));
  const [spliced, b] = time(() => encodeModel(model));
  const same = a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
  console.log(
    JSON.stringify({
      model: values.model,
      round,
      megabytes: +(b.length / 1e6).toFixed(1),
      protobufjsMs: Math.round(whole),
      encodeModelMs: Math.round(spliced),
      sameBytes: same,
    }),
  );
  if (!same) process.exitCode = 1;
}
