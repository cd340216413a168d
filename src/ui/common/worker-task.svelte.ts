/**
 * One request answered by a worker of its own, as the cold-start experiment
 * and "Evaluate on a log" run theirs: the worker reports progress (done of
 * total), then one `done` or `failed` answer, and is ended then, or when the
 * task is cancelled or run again. A worker that dies says so through
 * `failed`. The share done is reactive, for the page to show.
 */
type Reply =
  { type: 'progress'; done: number; total: number } | { type: 'failed'; message: string };

export class WorkerTask<Done extends { type: 'done' }> {
  /** Share of the work done while running, else null. */
  progress = $state<number | null>(null);
  private worker: Worker | null = null;

  get running(): boolean {
    return this.progress !== null;
  }

  /** Starts `request` in `worker` (cancelling any run before it). `crashed`: the worker itself stopped. */
  run(
    worker: Worker,
    request: unknown,
    on: { done: (answer: Done) => void; failed: (message: string, crashed: boolean) => void },
  ): void {
    this.cancel();
    this.worker = worker;
    this.progress = 0;
    const finish = () => {
      worker.terminate();
      if (this.worker === worker) this.worker = null;
      this.progress = null;
    };
    worker.onmessage = (e: MessageEvent<Reply | Done>) => {
      const m = e.data;
      if (m.type === 'progress') {
        this.progress = m.done / m.total;
        return;
      }
      finish();
      if (m.type === 'failed') on.failed(m.message, false);
      else on.done(m as Done);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish();
      on.failed(e.message || 'unknown error', true);
    };
    worker.postMessage(request);
  }

  cancel(): void {
    this.worker?.terminate();
    this.worker = null;
    this.progress = null;
  }
}
