// `netwright <command>`: the engine, headless. Each command lives in its own module.
import { Command } from 'commander';
import { CliError } from './errors.ts';
import { loadModel, withInputShape } from './loadModel.ts';
import { summarize } from './summary.ts';
import { benchAnalysis } from './benchAnalysis.ts';

const program = new Command('netwright')
  .description('Design, analyse and train neural networks; the engine of the Netwright app, headless.')
  .showHelpAfterError();

program
  .command('summary')
  .description('The summary table of a model: output shapes, parameters, MACs and receptive fields.')
  .argument('<MODEL>', 'a project file (*.netwright.json)')
  .option('--input-shape <shape>', 'input shape with batch first, e.g. 1x3x224x224')
  .option('--json', 'print JSON (the format of DESIGN.md)')
  .action((model: string, o: { inputShape?: string; json?: boolean }) => {
    const doc = withInputShape(loadModel(model), o.inputShape);
    const batch = o.inputShape ? Number(o.inputShape.split(/[x,×]/)[0]) : 1;
    console.log(summarize(doc, !!o.json, batch));
  });

program
  .command('bench')
  .description(
    'Benchmarks: analysis speed of a 1,000-node graph (training and inference join with the trainer).',
  )
  .option('--json', 'one JSON line per result')
  .action((o: { json?: boolean }) => {
    for (const line of benchAnalysis())
      console.log(
        o.json
          ? JSON.stringify(line)
          : `${line.bench}: median ${line.ms_median.toFixed(2)} ms over ${line.runs} runs (${line.nodes} nodes)`,
      );
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CliError) {
    console.error(`netwright: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
