/**
 * One request answered by a worker of its own, as the cold-start experiment
 * and "Evaluate on a log" run theirs: the worker reports progress (done of
 * total), then one `done` or `failed` answer, and is ended then or when the
 * task is cancelled. A worker that dies says so through `failed`.
 */
type Reply =
  { type: 'progress'; done: number; total: number } | { type: 'failed'; message: string };

export interface WorkerTask {
  cancel(): void;
}

export function runWorkerTask<Done extends { type: 'done' }>(
  worker: Worker,
  request: unknown,
  on: {
    progress: (share: number) => void;
    done: (answer: Done) => void;
    /** `crashed` when the worker itself stopped, not the task. */
    failed: (message: string, crashed: boolean) => void;
    /** After `done` or `failed` (not after a cancel). */
    finally: () => void;
  },
): WorkerTask {
  worker.onmessage = (e: MessageEvent<Reply | Done>) => {
    const m = e.data;
    if (m.type === 'progress') {
      on.progress(m.done / m.total);
      return;
    }
    worker.terminate();
    on.finally();
    if (m.type === 'failed') on.failed(m.message, false);
    else on.done(m as Done);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    worker.terminate();
    on.finally();
    on.failed(e.message || 'unknown error', true);
  };
  worker.postMessage(request);
  return { cancel: () => worker.terminate() };
}
