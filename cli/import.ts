// `netwright import in.onnx -o out.netwright`: an ONNX file as an editable project. Patterns
// of Netwright's layers become layers; any other operator is kept as an ONNX op node that exports
// back unchanged. Shapes the importer can't infer are measured by running the model once. The
// project is laid out (elkjs, top to bottom) and written atomically: a .netwright zip with every
// weight, or, for an output named *.json, the older JSON form (weights as base64, so at most
// ~384 MB of one tensor). --fold-bn folds each
// BatchNormalization that follows a Conv into the Conv (PyTorch's exporter does that by default).
import { serializeDocument } from '../engine/index.ts';
import { saveFileAtomic } from '../host/saveFileAtomic.ts';
import { layoutDocument } from '../host/layout.ts';
import { isJsonProjectPath, saveProjectArchive } from '../host/projectFiles.ts';
import { CliError } from './errors.ts';
import type { ProjectDocument } from '../engine/index.ts';
import type { ImportReport } from '../engine/onnx/index.ts';
import { loadModelMeasured, type LoadedModel } from './loadModel.ts';
import { checkOutputFile } from './outputs.ts';

export interface ImportCliOptions {
  output?: string;
  layout?: boolean;
  json?: boolean;
  /** --fold-bn: each BatchNormalization after a Conv folded into it. */
  foldBn?: boolean;
}

export async function importCommand(input: string, o: ImportCliOptions): Promise<void> {
  if (!o.output) throw new CliError('import needs an output file: -o out.netwright');
  if (!/\.onnx$/i.test(input)) throw new CliError(`${input}: import reads .onnx files.`);
  await checkOutputFile('-o', o.output);
  // Base64 copies in doc.weights are only needed by the JSON form.
  const loaded = await loadModelMeasured(input, {
    foldBatchNorm: !!o.foldBn,
    embedWeights: isJsonProjectPath(o.output),
  });
  const report = loaded.import!.report;
  const laidOut = o.layout === false ? loaded.doc : await layoutDocument(loaded.doc);
  if (isJsonProjectPath(o.output)) await writeJson(input, o.output, { ...loaded, doc: laidOut });
  else await saveProjectArchive(o.output, laidOut, loaded.weights);
  printReport(o, laidOut, report);
}

/** The older JSON form: base64 weights, refused when one is past a JSON string's reach. */
async function writeJson(input: string, output: string, loaded: LoadedModel): Promise<void> {
  const stored = new Set(
    Object.entries(loaded.doc.weights ?? {}).flatMap(([id, p]) => Object.keys(p).map((k) => `${id}.${k}`)),
  );
  const missing = [...loaded.weights!]
    .flatMap(([id, p]) => [...p.keys()].map((k) => `${id}.${k}`))
    .filter((k) => !stored.has(k));
  if (missing.length)
    throw new CliError(
      `${input}: ${missing.length} weight tensor(s) are too large for a .json project file (a JSON string holds at most ~384 MB of one tensor). Write a .netwright file instead: -o ${output.replace(/\.json$/i, '')}`,
    );
  let text: string;
  try {
    text = serializeDocument(loaded.doc);
  } catch (e) {
    if (e instanceof RangeError)
      throw new CliError(
        `${input}: the weights are too large for a .json project file; write a .netwright file instead.`,
      );
    throw e;
  }
  await saveFileAtomic(output, text);
}

function printReport(o: ImportCliOptions, doc: ProjectDocument, report: ImportReport): void {
  const nodes = doc.graph.nodes.length;
  const opaque = Object.values(report.opaque).reduce((a, b) => a + b, 0);
  if (o.json) {
    console.log(
      JSON.stringify({
        output: o.output,
        nodes,
        layers: report.layers,
        opaque: report.opaque,
        notes: report.notes,
      }),
    );
    return;
  }
  const list = (r: Record<string, number>) =>
    Object.entries(r)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  console.log(`Wrote ${o.output}: ${nodes} nodes.`);
  console.log(`  layers: ${list(report.layers)}`);
  if (opaque) console.log(`  ONNX ops kept as they are (${opaque}): ${list(report.opaque)}`);
  for (const n of report.notes) console.log(`  note: ${n}`);
}
