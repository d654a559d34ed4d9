// A run's events on their way to the page, a few messages a second. Drawing progress costs the
// page's renderer CPU on the same cores the steps run on, so step points, epochs, boundaries and
// trajectory snapshots are gathered and sent together at most every `intervalMs`; none is dropped.
// What the user waits for goes out at once, with everything gathered before it: the start, the
// first step (the run is training), a pause, and the end.
import type { TrainingEvent } from '../../protocol/training.ts';
import { MAX_BATCHED_EVENTS, PROGRESS_EVENTS } from '../../protocol/training.ts';

/** At most about five progress messages a second per run. */
export const BATCH_INTERVAL_MS = 200;

export interface EventBatchesOptions {
  intervalMs?: number;
  now?: () => number;
}

export class EventBatches {
  private pending: TrainingEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastSent = -Infinity;
  private stepSent = false;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly send: (events: TrainingEvent[]) => void,
    options: EventBatchesOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? BATCH_INTERVAL_MS;
    this.now = options.now ?? (() => performance.now());
  }

  push(event: TrainingEvent): void {
    this.pending.push(event);
    const urgent = !PROGRESS_EVENTS.has(event.event) || (event.event === 'step' && !this.stepSent);
    if (event.event === 'step') this.stepSent = true;
    const wait = this.lastSent + this.intervalMs - this.now();
    if (urgent || wait <= 0 || this.pending.length >= MAX_BATCHED_EVENTS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  /** Sends what is gathered now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending.length) return;
    const events = this.pending;
    this.pending = [];
    this.lastSent = this.now();
    this.send(events);
  }
}
