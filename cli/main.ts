// `netwright <command>`: the engine, headless. Each command lives in its own module.
import { Command, Option } from 'commander';
import { userMessage } from './errors.ts';
import { loadModelMeasured, withInputShape } from './loadModel.ts';
import { exportCommand, type ExportOptions } from './export.ts';
import { importCommand, type ImportCliOptions } from './import.ts';
import { summarize } from './summary.ts';
import { benchCommand, type BenchOptions } from './bench.ts';
import { trainCommand, type TrainOptions } from './train.ts';
import { gradCommand, type GradOptions } from './grad.ts';
import { gradcheckCommand, type GradcheckCliOptions } from './gradcheck.ts';
import { serveCommand } from './serve.ts';

const program = new Command('netwright')
  .description('Design, analyse and train neural networks; the engine of the Netwright app, headless.')
  .showHelpAfterError();

program
  .command('summary')
  .description('The summary table of a model: output shapes, parameters, MACs and receptive fields.')
  .argument('<MODEL>', 'a project file (*.netwright.json) or an .onnx file')
  .option('--input-shape <shape>', 'input shape with batch first, e.g. 1x3x224x224')
  .option('--json', 'print JSON (the format of DESIGN.md)')
  .action(async (model: string, o: { inputShape?: string; json?: boolean }) => {
    const doc = withInputShape((await loadModelMeasured(model)).doc, o.inputShape);
    const batch = o.inputShape ? Number(o.inputShape.split(/[x,×]/)[0]) : 1;
    console.log(summarize(doc, !!o.json, batch));
  });

program
  .command('export')
  .description(
    'An inference ONNX model with its weights (BatchNorm in inference form, Dropout removed), or a PyTorch project.',
  )
  .argument('<MODEL>', 'a project file (*.netwright.json) or an .onnx file')
  .option('-o, --output <out.onnx | DIR>', 'the ONNX file, or the folder of a PyTorch project, to write')
  .option(
    '--format <format>',
    'onnx (default) | pytorch: model.py, weights, train.py for python or torchrun (DDP), README.md',
  )
  .option('--opset <n>', 'ONNX opset, 13 to 21 (default 17: what PyTorch writes)')
  .option('--fp16', 'float16 weights, inputs and outputs')
  .option('--json', 'print a one-line JSON summary')
  .action((model: string, o: ExportOptions) => exportCommand(model, o));

program
  .command('import')
  .description(
    "An ONNX file as an editable project: Netwright's layers where they match, ONNX ops kept as they are elsewhere.",
  )
  .argument('<in.onnx>', 'the ONNX model to import')
  .option(
    '-o, --output <out.netwright>',
    'the project file to write (a .netwright zip; *.json: the older JSON form)',
  )
  .option('--no-layout', 'keep the simple row layout instead of elkjs')
  .option(
    '--fold-bn',
    'fold each BatchNormalization that follows a Conv into the Conv (fewer nodes; the BatchNorm is no longer trainable)',
  )
  .option('--json', 'print a one-line JSON summary')
  .action((input: string, o: ImportCliOptions) => importCommand(input, o));

program
  .command('bench')
  .description(
    'Training and inference throughput of the reference models (mlp, lenet, mini-VGG; DESIGN.md), then the analysis benchmarks.',
  )
  .option('--json', 'one JSON line per result')
  .option('--models <list>', 'comma-separated subset of mlp,lenet,vgg')
  .option('--threads <n>', 'onnxruntime intra-op threads', '2')
  .option('--no-analysis', 'skip the analysis benchmarks')
  .addOption(new Option('--only <model:mode>', 'measure one model and mode in this process').hideHelp())
  .action((o: BenchOptions) => benchCommand(o));

program
  .command('train')
  .description('Trains a model on a dataset with a progress bar; --json prints one JSON line per epoch.')
  .argument('<MODEL>', 'a project file (*.netwright.json) or an .onnx file')
  .option(
    '--data <source>',
    'mnist[:denoise[:<noise>]] | synthetic:<spiral|circles|xor|blobs|moons|chars|adding|copy|parity|sine>[:<n>] | idx:<images>,<labels>[,<test images>,<test labels>] | cifar10:<dir> | csv:<file>[,regression][,sequence] | images:<dir> | text:<file>[,<window>]',
  )
  .option('--epochs <n>', 'epochs (default 1; with --resume, the total)')
  .option('--batch-size <n>', 'batch size (default 32)')
  .option(
    '--optimizer <kind>',
    'sgd | momentum | heavy-ball | nesterov | rmsprop | adam | adamw | adagrad (default momentum)',
  )
  .option('--lr <rate>', 'learning rate (default 0.01; 0.001 for adam/adamw)')
  .option('--momentum <beta>', 'momentum coefficient (default 0.9)')
  .option('--weight-decay <lambda>', 'L2 penalty (decoupled for adamw)')
  .option('--loss <kind>', 'cross-entropy | mse | bce-with-logits | nll (default cross-entropy)')
  .option('--schedule <schedule>', 'step:<epochs>:<gamma> | cosine | inverse:<c0>:<c1> | constant')
  .option('--clip <norm>', 'clip the global gradient norm')
  .option('--init <kind>', 'default | zeros | constant:<v> | normal:<std> | uniform:<a> | xavier | kaiming')
  .option('--seed <n>', 'seed for initialization, shuffling and subsets (default 0)')
  .option('--limit <n>', 'train on a random subset of this many samples')
  .option('--test-limit <n>', 'evaluate on this many test samples')
  .option('--random-labels', 'replace the training labels by random classes (memorization demo)')
  .option('--normalize <kind>', 'none | standardize (per channel, from the training set; default none)')
  .option('--threads <n>', 'onnxruntime intra-op threads (default 2)')
  .option('--shuffle <order>', 'random (a seeded permutation per epoch, default) | none (the data set order)')
  .option('--provider <where>', 'cpu (default) | gpu | auto: the GPU provider when it loads, else the CPU')
  .option(
    '--tbptt <steps>',
    "truncated BPTT (LSTM/GRU): windows of <steps> (the Input's length) from --batch-size streams of synthetic:chars, the state carried",
  )
  .option(
    '--streams',
    'synthetic:chars as --batch-size streams read in non-overlapping windows, without carrying state (full BPTT on what --tbptt reads)',
  )
  .option('--keep-classes <list>', 'train and test on these classes only, relabelled 0, 1, … (e.g. 5-9)')
  .option(
    '--classes [n]',
    "replace the last Linear by a new one with n outputs (alone: the data's class count)",
  )
  .option(
    '--freeze-up-to <node>',
    'freeze this node and everything before it (no gradients, run as at inference)',
  )
  .option('--no-cache-features', 'with a frozen backbone, run it every step instead of once per sample')
  .option('--image-size <HxW>', "images:<dir>: resize to this (default: the model's input size)")
  .option('--mean <m1,m2,m3>', "images:<dir>: per-channel mean to subtract (default for RGB: ImageNet's)")
  .option('--std <s1,s2,s3>', "images:<dir>: per-channel std to divide by (default for RGB: ImageNet's)")
  .option('--out <file.onnx>', 'write the trained model as inference ONNX')
  .option('--save <file.netwright.json>', 'write the project with the trained weights')
  .option('--checkpoint <file>', 'save weights and optimizer state after every epoch')
  .option('--resume <file>', 'continue from a checkpoint')
  .option('--json', 'one JSON line per epoch on stdout; messages go to stderr')
  .action((model: string, o: TrainOptions) => trainCommand(model, o));

program
  .command('grad')
  .description('One forward and backward pass on a batch; writes the loss and every parameter gradient.')
  .argument('<MODEL>', 'a project file (*.netwright.json) or an .onnx file')
  .option('--batch <batch.json>', '{"inputs":{"<Input name>":{"shape","data"}},"targets":{"shape","data"}}')
  .option(
    '--loss <kind>',
    'cross-entropy (targets: class indices) | mse (targets: like the output) | bce-with-logits | nll',
    'cross-entropy',
  )
  .option(
    '-o, --output <grads.json>',
    'where to write {"loss","grads":{"<node>.<param>":{"shape","data"}}} (stdout if absent)',
  )
  .option('--init <kind>', 'initialization when the model has no stored weights (default: PyTorch default)')
  .option('--seed <n>', 'seed for that initialization and dropout masks', '0')
  .option('--json', 'with -o: print a one-line JSON summary')
  .action((model: string, o: GradOptions) => gradCommand(model, o));

program
  .command('gradcheck')
  .description('Analytic gradients against central finite differences, per parameter tensor (float32).')
  .argument('<MODEL>', 'a project file (*.netwright.json) or an .onnx file')
  .option('--batch <n>', 'random batch size (default 2)')
  .option('--samples <n>', 'elements checked per tensor (default 6; 2 for models over 200M MACs)')
  .option('--eps <e>', 'relative finite-difference step (default 0.01)')
  .option('--tolerance <t>', 'largest relative error that passes (default 0.01)')
  .option('--loss <kind>', 'cross-entropy | mse | bce-with-logits | nll (default cross-entropy)')
  .option('--seed <n>', 'seed for the weights, batch and sampled elements (default 0)')
  .option('--json', 'print the report as JSON')
  .action((model: string, o: GradcheckCliOptions) => gradcheckCommand(model, o));

program
  .command('serve')
  .description('Browser mode: the app on 127.0.0.1 with a per-launch token, for any browser.')
  .option('--port <n>', 'port (0 picks a free one)', '0')
  .option('--json', 'print {"event":"listening","url"} when ready')
  .action((o: { port: string; json?: boolean }) => serveCommand(o));

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const message = userMessage(e);
  if (message === null) throw e;
  console.error(`netwright: ${message}`);
  process.exit(1);
}
