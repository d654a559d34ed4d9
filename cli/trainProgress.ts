// What `netwright train` shows while it trains: a progress bar on a terminal, one human line per
// epoch otherwise, or with --json exactly one JSON line per epoch on stdout (DESIGN.md).
import cliProgress from 'cli-progress';
import type { EpochEvent, TrainConfig, TrainEvent } from '../host/training/trainer.ts';
import { bytes } from './format.ts';

/** The keys of a --json epoch line, in order (DESIGN.md). */
export const EPOCH_KEYS = [
  'event',
  'epoch',
  'trainLoss',
  'trainAccuracy',
  'testLoss',
  'testAccuracy',
  'samplesPerSecond',
  /** The cost of one update: its mean wall time over the epoch (its FLOPs are in the start line). */
  'msPerUpdate',
  /** The onnxruntime execution provider the run trained on. */
  'provider',
] as const;

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(2)}%`);
const fixed = (x: number | null, d = 4) => (x === null ? '-' : x.toFixed(d));

function epochLine(e: EpochEvent, epochs: number): string {
  return (
    `epoch ${e.epoch}/${epochs}: train loss ${fixed(e.trainLoss)}, accuracy ${pct(e.trainAccuracy)}; ` +
    `test loss ${fixed(e.testLoss)}, accuracy ${pct(e.testAccuracy)}; ${Math.round(e.samplesPerSecond)} samples/s, ` +
    `${e.msPerUpdate.toFixed(2)} ms per update`
  );
}

export interface ProgressSetup {
  json: boolean;
  /** Draw a bar (stderr is a terminal and no --json). */
  tty: boolean;
  /** "Training <model> on <data>: ..." without the figures only the trainer knows. */
  headline: string;
  cfg: TrainConfig;
  firstEpoch: number;
  stepsPerEpoch: number;
  log(s: string): void;
}

/** The trainer's event handler for the terminal, and stop() to clear the bar. */
export function progressReporter(p: ProgressSetup): { onEvent(e: TrainEvent): void; stop(): void } {
  const { cfg, firstEpoch, stepsPerEpoch } = p;
  const total = (cfg.epochs - firstEpoch) * stepsPerEpoch;
  let bar: cliProgress.SingleBar | null = null;
  let lastAccuracy: number | null = null;
  let provider = 'cpu';
  const payload = { epoch: firstEpoch + 1, epochs: cfg.epochs, loss: '-', acc: '-', sps: '-' };
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  const onEpoch = (e: EpochEvent) => {
    lastAccuracy = e.testAccuracy;
    if (p.json) {
      const line = { ...e, provider };
      console.log(JSON.stringify(Object.fromEntries(EPOCH_KEYS.map((k) => [k, line[k]]))));
    } else if (bar) {
      const b = bar;
      b.update((e.epoch - firstEpoch) * stepsPerEpoch);
      // Print the epoch's line above the bar.
      b.stop();
      console.log(epochLine(e, cfg.epochs));
      if (e.epoch < cfg.epochs)
        b.start(
          total,
          (e.epoch - firstEpoch) * stepsPerEpoch,
          Object.assign(payload, { epoch: e.epoch + 1 }),
        );
      else bar = null;
    } else console.log(epochLine(e, cfg.epochs));
  };
  const onEvent = (e: TrainEvent) => {
    switch (e.event) {
      case 'start':
        provider = e.provider;
        if (e.providerFallback) p.log(`note: ${e.providerFallback}`);
        p.log(
          `${p.headline}, ${e.parameters.toLocaleString('en-US')} parameters, ${cfg.optimizer.kind} lr ${cfg.lr}, batch ${cfg.batchSize}` +
            `${firstEpoch ? `, resuming after epoch ${firstEpoch}` : ''}. Estimated training memory: ${bytes(e.memoryBytes)}.`,
        );
        p.log(
          `Cost per update: ${(e.flopsPerUpdate / 1e6).toFixed(2)} MFLOPs (forward and backward of one batch${cfg.tbptt ? `: one window of ${cfg.tbptt} steps per stream, the state carried, truncated BPTT` : ''}).` +
            (e.stepsPerCall > 1 ? ` ${e.stepsPerCall} steps per onnxruntime call.` : ''),
        );
        if (p.tty) {
          bar = new cliProgress.SingleBar(
            {
              format:
                'epoch {epoch}/{epochs} |{bar}| {percentage}% | loss {loss} | train acc {acc} | {sps} samples/s | ETA {eta_formatted}',
              hideCursor: true,
              etaBuffer: 50,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0, payload);
        }
        break;
      case 'step':
        Object.assign(payload, {
          epoch: e.epoch + 1,
          loss: e.loss.toFixed(4),
          acc: e.accuracy === undefined ? pct(lastAccuracy) : pct(e.accuracy),
          sps: String(Math.round(e.samplesPerSecond)),
        });
        bar?.update(e.step - firstEpoch * stepsPerEpoch, payload);
        break;
      case 'epoch':
        onEpoch(e);
        break;
      case 'stopped':
        stop();
        break;
    }
  };
  return { onEvent, stop };
}
