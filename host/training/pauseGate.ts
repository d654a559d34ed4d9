// Pausing a training run between steps: the trainer awaits the gate before each step, so a paused
// run sleeps on a promise (no polling) with its optimizer state untouched, and resumes exactly
// where it left off. A race's runs share one gate, so they pause and resume together.

export class PauseGate {
  private isPaused = false;
  private release: (() => void) | null = null;
  private opened: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(paused: boolean) => void>();

  get paused(): boolean {
    return this.isPaused;
  }

  pause(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.opened = new Promise((resolve) => (this.release = resolve));
    for (const l of this.listeners) l(true);
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.release?.();
    this.release = null;
    for (const l of this.listeners) l(false);
  }

  /** Resolves when the gate is open, or when `signal` aborts (a stop must not wait for a resume). */
  wait(signal?: AbortSignal): Promise<void> {
    if (!this.isPaused || signal?.aborted) return Promise.resolve();
    if (!signal) return this.opened;
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done);
      void this.opened.then(done);
    });
  }

  /** Called with every change; returns the unsubscribe function. */
  onChange(listener: (paused: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
