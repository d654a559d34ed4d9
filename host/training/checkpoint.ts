// Training checkpoints: weights, buffers, optimizer state, the optimizer's step count and the number
// of epochs done, so a run resumes exactly where it stopped (same shuffles, same schedule). One
// binary file, written atomically:
//
//   "NWCKPT01" | uint32 LE header length | header JSON (UTF-8) | zero padding to 4 bytes | float32 LE data
//
// The header names every tensor (train-step input names: `<node>.<param>`, `<node>.<param>.<slot>`)
// with its offset and length in floats, and carries a fingerprint of the model's parameters and the
// optimizer, checked on resume.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TrainStep } from '../../engine/index.ts';
import { saveFileAtomic } from '../saveFileAtomic.ts';
import type { SessionState } from './session.ts';
import type { EpochEvent, TrainConfig } from './trainer.ts';

const MAGIC = 'NWCKPT01';

export interface Checkpoint {
  format: 'netwright-checkpoint';
  version: 1;
  /** The model's name (for messages). */
  model: string;
  /** Parameter names and shapes plus the optimizer's state slots; must match to resume. */
  fingerprint: string;
  /** Epochs completed. */
  epoch: number;
  config: TrainConfig;
  /** Free-form extras the caller wants back (the CLI keeps its --data and --normalize here). */
  extra?: Record<string, unknown>;
  history: EpochEvent[];
  state: SessionState;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** What must stay the same for a saved state to fit a train step. */
export function stepFingerprint(step: TrainStep): string {
  const parts = [
    ...step.params.map((p) => `p ${p.input} ${p.shape.join('x')}`),
    ...step.state.map((s) => `s ${s.input} ${s.shape.join('x')}`),
  ];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const names = Object.keys(c.state.tensors);
  let offset = 0;
  const tensors = names.map((name) => {
    const length = c.state.tensors[name].length;
    const entry = { name, offset, length };
    offset += length;
    return entry;
  });
  const header = {
    format: c.format,
    version: c.version,
    model: c.model,
    fingerprint: c.fingerprint,
    epoch: c.epoch,
    step: c.state.step,
    config: c.config,
    extra: c.extra,
    history: c.history,
    tensors,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = align4(MAGIC.length + 4 + json.length);
  const bytes = new Uint8Array(start + offset * 4);
  bytes.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(bytes.buffer).setUint32(MAGIC.length, json.length, true);
  bytes.set(json, MAGIC.length + 4);
  const data = new Float32Array(bytes.buffer, start, offset);
  for (const t of tensors) data.set(c.state.tensors[t.name], t.offset);
  return bytes;
}

const align4 = (n: number) => (n + 3) & ~3;

export function decodeCheckpoint(bytes: Uint8Array, where = 'checkpoint'): Checkpoint {
  const bad = (why: string) => new CheckpointError(`${where} is not a Netwright checkpoint (${why}).`);
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC)
    throw bad('wrong magic bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + headerLength > bytes.length) throw bad('truncated header');
  let header: Omit<Checkpoint, 'state'> & {
    step: number;
    tensors: { name: string; offset: number; length: number }[];
  };
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + headerLength)),
    );
  } catch {
    throw bad('damaged header');
  }
  if (header.format !== 'netwright-checkpoint' || header.version !== 1) throw bad('unknown version');
  const start = align4(MAGIC.length + 4 + headerLength);
  const floats = (bytes.length - start) / 4;
  // Copy to an aligned buffer: the file's bytes may sit at any offset of a pooled Buffer.
  const data = new Float32Array(floats);
  new Uint8Array(data.buffer).set(bytes.subarray(start, start + floats * 4));
  const tensors: Record<string, Float32Array> = {};
  for (const t of header.tensors) {
    if (t.offset + t.length > floats) throw bad(`tensor ${t.name} is cut off; the file is truncated`);
    tensors[t.name] = data.slice(t.offset, t.offset + t.length);
  }
  const { tensors: _omit, step, ...rest } = header;
  return { ...rest, history: rest.history ?? [], state: { step, tensors } };
}

export async function saveCheckpoint(path: string, c: Checkpoint): Promise<void> {
  await saveFileAtomic(path, encodeCheckpoint(c));
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      `Can't read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}.`,
    );
  }
  return decodeCheckpoint(bytes, path);
}

/** Throws a sentence when a checkpoint was made for another model or optimizer. */
export function checkResumable(c: Checkpoint, step: TrainStep, where = 'the checkpoint'): void {
  const fp = stepFingerprint(step);
  if (c.fingerprint !== fp)
    throw new CheckpointError(
      `${where} was saved for a different model or optimizer (${c.model}, ${c.config.optimizer.kind}); resume with the same model file and --optimizer ${c.config.optimizer.kind}.`,
    );
}
