// The one place that turns errors into what the CLI prints. Errors of the classes below carry a
// sentence written for the user (naming the file, flag or layer and what to change): main prints
// it as "netwright: <message>" and exits with 1. Anything else is a bug and keeps its stack.
// Commands add where a message came from with within() instead of catching and rethrowing.
import { CompileError, DocumentError, ExportError } from '../engine/index.ts';
import { ImportError } from '../engine/onnx/index.ts';
import { SaveError } from '../host/saveFileAtomic.ts';
import { CheckpointError } from '../host/training/checkpoint.ts';
import { HostError } from '../protocol/hostApi.ts';

/** An error whose message is for the user: printed without a stack, exit code 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

const USER_ERRORS = [
  CliError,
  SaveError,
  CheckpointError,
  CompileError,
  ExportError,
  DocumentError,
  ImportError,
  // cannot-train sentences from the fit check, shared with the app.
  HostError,
];

/** The message to print for `e`, or null when `e` is a bug. */
export function userMessage(e: unknown): string | null {
  return USER_ERRORS.some((c) => e instanceof c) ? (e as Error).message : null;
}

/**
 * Runs `fn`; a user error it throws gets `label` in front ("model.json: <message>"), or is
 * rewritten by `label` when it is a function. With `every`, any error counts as the user's (the
 * data loaders' plain Errors describe the user's files).
 */
export function within<T>(label: string | ((message: string) => string), fn: () => T, every = false): T {
  const relabel = (e: unknown) => {
    const message = every && e instanceof Error ? e.message : userMessage(e);
    if (message === null) return e;
    return new CliError(typeof label === 'function' ? label(message) : `${label}: ${message}`);
  };
  try {
    const result = fn();
    if (result instanceof Promise)
      return result.catch((e: unknown) => {
        throw relabel(e);
      }) as T;
    return result;
  } catch (e) {
    throw relabel(e);
  }
}
