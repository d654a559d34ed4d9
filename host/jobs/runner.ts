// A small job runner: heavy work on user documents runs in worker threads with a time and a
// memory budget, so one slow or huge request never stalls the event loop that serves every other
// connection, and a runaway job is ended without taking the host with it.
//
//   const jobs = new JobRunner();
//   const doc = await jobs.run('importOnnx', { base64 }, { onProgress, signal });
//
// Workers are kept warm between jobs (starting one costs about a second: it loads the engine
// through tsx) and replaced when a job is cancelled, times out or exhausts its heap. Progress
// events and cancellation (an AbortSignal) are part of every run, so the UI can show an import's
// progress and a Cancel button on top of it.
import type { Worker } from 'node:worker_threads';
import { startTsxThread } from '../tsxThread.ts';
import { DocumentError } from '../../engine/index.ts';
import { HostError } from '../../protocol/hostApi.ts';
import type { JobProgress, TaskInput, TaskName, TaskOutput } from './tasks.ts';
import type { FromJobWorker, JobFailure, ToJobWorker } from './worker.ts';

export interface JobRunnerOptions {
  /** Worker threads at most; jobs beyond them wait in a queue. Default 1 (training has its own). */
  threads?: number;
  /** A job's wall-clock budget; default 120 s (importing DenseNet-121 takes about 20 s). */
  timeoutMs?: number;
  /**
   * A worker's JS heap budget (resourceLimits.maxOldGenerationSizeMb); default 2048. Typed
   * arrays live outside that heap: engine/limits.ts bounds them before they are allocated.
   */
  memoryMb?: number;
  /** Jobs waiting at most; one more is refused with 'busy'. Default 64. */
  queueLimit?: number;
  /** The module whose `tasks` table the workers run (tests swap in their own). */
  module?: string;
}

export interface RunOptions {
  onProgress?(progress: JobProgress): void;
  /** Aborting cancels the job: it rejects with code 'cancelled' and its thread is ended. */
  signal?: AbortSignal;
  /** Overrides the runner's time budget for this job. */
  timeoutMs?: number;
  /**
   * Buffers of the input to move into the job's thread instead of copying them (a 100 MB project
   * file to open); the caller must not use them afterwards.
   */
  transfer?: ArrayBuffer[];
}

interface Job {
  id: number;
  name: string;
  input: unknown;
  options: RunOptions;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  timer?: ReturnType<typeof setTimeout>;
  /** Set once the slot is being ended, so its exit is not reported twice. */
  ending?: boolean;
}

/** How long a new thread may take to load the engine before its job fails. */
const BOOT_MS = 60_000;

/** Rebuilds an error thrown in a worker as the class the host's error mapping understands. */
function revive(f: JobFailure): Error {
  if (f.name === 'HostError') return new HostError(f.code ?? 'internal', f.message);
  if (f.name === 'DocumentError') return new DocumentError(f.message);
  const e = new Error(f.message);
  e.name = f.name;
  return e;
}

export class JobRunner {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private readonly threads: number;
  private readonly timeoutMs: number;
  private readonly memoryMb: number;
  private readonly queueLimit: number;
  private readonly module: string;

  constructor(options: JobRunnerOptions = {}) {
    this.threads = options.threads ?? 1;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.memoryMb = options.memoryMb ?? 2048;
    this.queueLimit = options.queueLimit ?? 64;
    this.module = options.module ?? new URL('./tasks.ts', import.meta.url).href;
  }

  /** Runs one task in a worker; rejects with the task's own error, or 'too-slow', 'too-large', 'cancelled', 'busy'. */
  run<K extends TaskName>(name: K, input: TaskInput<K>, options?: RunOptions): Promise<TaskOutput<K>>;
  /** A task of a custom `module` (tests). */
  run(name: string, input: unknown, options?: RunOptions): Promise<unknown>;
  run(name: string, input: unknown, options: RunOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new HostError('disconnected', 'The host is shutting down.'));
    if (options.signal?.aborted) return Promise.reject(cancelled(name));
    if (this.queue.length >= this.queueLimit)
      return Promise.reject(
        new HostError('busy', `The host has ${this.queue.length} jobs waiting already; try again shortly.`),
      );
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, name, input, options, resolve, reject };
      options.signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** Ends every worker; pending and queued jobs fail with 'disconnected'. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0))
      job.reject(new HostError('disconnected', 'The host is shutting down.'));
    await Promise.all(
      [...this.slots].map((s) => this.end(s, new HostError('disconnected', 'The host is shutting down.'))),
    );
  }

  /**
   * Starts a thread ahead of the first job (loading the engine and ELK takes it a second or two),
   * so an import the user starts does not wait for that. Does nothing when a thread is alive.
   */
  warm(): void {
    if (this.closed || this.slots.size > 0 || this.queue.length) return;
    // A thread, and in it what an import loads on first use (tasks.ts's warmUp).
    this.run('warmUp', {}).catch(() => undefined);
  }

  /** Threads alive now (idle ones included). */
  get workers(): number {
    return this.slots.size;
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = [...this.slots].find((s) => !s.job && !s.ending);
      if (!slot) {
        if (this.slots.size >= this.threads) return;
        slot = this.spawn();
      }
      this.start(slot, this.queue.shift()!);
    }
  }

  private spawn(): Slot {
    const worker = startTsxThread(
      new URL('./worker.ts', import.meta.url).href,
      { module: this.module },
      {
        bootErrorType: 'boot-error',
        resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, maxYoungGenerationSizeMb: 64 },
      },
    );
    const slot: Slot = { worker, job: null };
    this.slots.add(slot);
    worker.on('message', (m: FromJobWorker) => this.onMessage(slot, m));
    worker.on('error', (e: Error & { code?: string }) => {
      const error =
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new HostError(
              'too-large',
              `${slot.job?.name ?? 'The job'} ran out of its memory budget (${this.memoryMb} MB); the input is too large to handle here.`,
            )
          : e;
      void this.end(slot, error);
    });
    worker.on(
      'exit',
      (code) => void this.end(slot, new HostError('internal', `A job thread stopped (exit code ${code}).`)),
    );
    return slot;
  }

  private start(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref();
    // A fresh thread first loads the engine; the job's own budget starts when the task does.
    this.arm(
      slot,
      BOOT_MS,
      `${job.name} could not start: its thread took longer than ${BOOT_MS / 1000} s to load.`,
    );
    slot.worker.postMessage(
      { type: 'run', id: job.id, name: job.name, input: job.input } satisfies ToJobWorker,
      job.options.transfer ?? [],
    );
  }

  private arm(slot: Slot, ms: number, message: string): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => void this.end(slot, new HostError('too-slow', message)), ms);
  }

  private onMessage(slot: Slot, m: FromJobWorker): void {
    if (m.type === 'boot-error')
      return void this.end(slot, new HostError('internal', `A job thread failed to start: ${m.message}`));
    const job = slot.job;
    if (!job || m.id !== job.id) return;
    if (m.type === 'started') {
      const ms = job.options.timeoutMs ?? this.timeoutMs;
      return this.arm(
        slot,
        ms,
        `${job.name} took longer than ${ms / 1000} s, its time budget, and was stopped.`,
      );
    }
    if (m.type === 'progress') return job.options.onProgress?.(m.progress);
    this.finish(slot);
    if (m.type === 'done') job.resolve(m.result);
    else job.reject(revive(m.error));
    this.pump();
  }

  /** The slot's job is over; the thread stays for the next one, idle threads don't hold the process. */
  private finish(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.job = null;
    slot.worker.unref();
  }

  private cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return job.reject(cancelled(job.name));
    }
    const slot = [...this.slots].find((s) => s.job === job);
    if (slot) void this.end(slot, cancelled(job.name));
  }

  /** Ends a slot's thread; its job, if any, fails with `error`. */
  private async end(slot: Slot, error: Error): Promise<void> {
    if (slot.ending) return;
    slot.ending = true;
    clearTimeout(slot.timer);
    this.slots.delete(slot);
    const job = slot.job;
    slot.job = null;
    job?.reject(error);
    await slot.worker.terminate();
    if (this.closed) return;
    this.pump();
    // A thread ended by a runaway job is replaced at once, so the next request doesn't wait
    // for a fresh thread to load the engine.
    if (job && this.slots.size < this.threads) this.spawn().worker.unref();
  }
}

function cancelled(name: string): HostError {
  return new HostError('cancelled', `${name} was cancelled.`);
}
