// The host's training messages on their way into the store. The host already sends each run's
// progress a few times a second; a race runs several at once, so here every message that arrives
// within `intervalMs` of the last change is merged into the next one: the charts, progress and
// badges redraw at most about five times a second, whatever the number of runs, and the steps
// keep the CPU. A run's first step, a pause and the end are applied at once.
import type { TrainingEventsMessage } from '../../protocol/training.ts';
import { PROGRESS_EVENTS } from '../../protocol/training.ts';

export const REDRAW_INTERVAL_MS = 200;

export function throttledTrainingMessages(
  apply: (batches: TrainingEventsMessage[]) => void,
  intervalMs = REDRAW_INTERVAL_MS,
  now = () => performance.now(),
): (message: TrainingEventsMessage) => void {
  let queue: TrainingEventsMessage[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = -Infinity;
  const stepped = new Set<string>();
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!queue.length) return;
    const batches = queue;
    queue = [];
    last = now();
    apply(batches);
  };
  return (message) => {
    queue.push(message);
    const firstStep = !stepped.has(message.runId) && message.events.some((e) => e.event === 'step');
    if (firstStep) stepped.add(message.runId);
    const urgent = firstStep || message.events.some((e) => !PROGRESS_EVENTS.has(e.event));
    const wait = last + intervalMs - now();
    if (urgent || wait <= 0) flush();
    else timer ??= setTimeout(flush, wait);
  };
}
