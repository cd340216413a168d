/** The app's own files: absolute URLs under any base path the site is hosted at, and the worker. */

/** The URL of a file in public/ (e.g. 'data/'), resolved against the page's base. */
export function assetUrl(path: string): string {
  return new URL(path, new URL(import.meta.env.BASE_URL, document.baseURI)).href;
}

/** Starts the training worker; Vite bundles it from this exact `new Worker(new URL(...))` form. */
export function createTrainingWorker(): Worker {
  return new Worker(new URL('../worker/training.worker.ts', import.meta.url), {
    type: 'module',
    name: 'demandlab-training',
  });
}

/** Starts a worker that turns the user's files into an image set; one per set it makes. */
export function createImagesWorker(): Worker {
  return new Worker(new URL('../worker/images.worker.ts', import.meta.url), {
    type: 'module',
    name: 'demandlab-images',
  });
}

/** Starts a worker that reads one interaction log. */
export function createLogsWorker(): Worker {
  return new Worker(new URL('../worker/logs.worker.ts', import.meta.url), {
    type: 'module',
    name: 'demandlab-logs',
  });
}

/** Starts a worker that runs one cold-start experiment. */
export function createColdStartWorker(): Worker {
  return new Worker(new URL('../worker/cold-start.worker.ts', import.meta.url), {
    type: 'module',
    name: 'demandlab-cold-start',
  });
}

/** Starts a worker that reads and checks one session file. */
export function createImportWorker(): Worker {
  return new Worker(new URL('../worker/import.worker.ts', import.meta.url), {
    type: 'module',
    name: 'demandlab-import',
  });
}

/** Starts a worker that judges policies on one log. */
export function createOpeWorker(): Worker {
  return new Worker(new URL('../worker/ope.worker.ts', import.meta.url), {
    type: 'module',
    name: 'demandlab-ope',
  });
}
