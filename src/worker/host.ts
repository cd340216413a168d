/**
 * The training worker's logic: it answers the page's messages, brings up the
 * backend, runs one job at a time and reports device loss. The worker entry
 * only wires `self.onmessage` to `handle`; node tests call `handle` directly.
 */
import {
  deviceKey,
  parseAutoRecords,
  rankCandidates,
  timingPlan,
  type DeviceTraits,
  type TimingPlan,
} from '../core/compute/auto-choice';
import type { AutoChoice, Measured } from '../core/compute/backends';
import {
  backendCandidates,
  unofferedBackends,
  type BackendInfo,
  type BackendName,
  type Capabilities,
} from '../core/compute/backends';
import { GanJob } from '../core/gan/gan-job';
import { RecsysJob } from '../core/rl/lab/recsys-job';
import type { GanConfig } from '../core/gan/config';
import {
  isToWorker,
  type JobSnapshot,
  type JobSpec,
  type Post,
  type ToWorker,
} from '../core/protocol';
import { inOneBuffer } from '../core/store/checkpoint';
import type { TrainingJob } from '../core/jobs/job';
import { JobRunner, type RunnerOptions } from '../core/jobs/runner';
import { JobFactory, type DataLoaders } from './jobs';

/** What the host needs from the outside world; the worker passes the real ones. */
export interface HostDeps extends DataLoaders {
  probe(): Promise<Capabilities>;
  activate(
    candidates: ReturnType<typeof backendCandidates>,
    requested: BackendInfo['requested'],
    caps: Capabilities,
    options: { wasmPrefix: string; wasmThreads: number | null },
  ): Promise<BackendInfo>;
  /**
   * Times a training step on the planned backends for "auto" (speed-probe.ts).
   * Without it, auto takes the first backend that starts.
   */
  timeBackends?(
    plan: TimingPlan,
    caps: Capabilities,
    options: { wasmPrefix: string; wasmThreads: number | null },
    onTiming: (name: BackendName) => void,
  ): Promise<Measured[]>;
  /** The browser and core count, which name the device for remembered timings. */
  traits?(): DeviceTraits;
  watchDeviceLoss(onLost: (message: string) => void): () => void;
  loseDevice(): boolean;
  runner?: Partial<RunnerOptions>;
}

type Job = TrainingJob<JobSnapshot>;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class TrainingHost {
  private backend: BackendInfo | null = null;
  private readonly jobs: JobFactory;
  private current: { id: number; runner: JobRunner<JobSnapshot>; job: Job } | null = null;
  private unwatch: () => void = () => {};
  private lost = false;
  /** The message being handled; the next waits for it (see handle). */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly post: Post,
    private readonly deps: HostDeps,
  ) {
    this.jobs = new JobFactory(post, deps);
  }

  /**
   * Handles one message from the page, after those before it. Never throws:
   * problems are posted back. Messages wait their turn because a start can
   * take seconds (MNIST loading, shader compiling): a stop, pause or autosave
   * sent right after it is for that job, and must find it there. Training
   * itself does not hold the queue; the runner trains on its own.
   */
  handle(raw: unknown): Promise<void> {
    const next = this.queue.then(() => this.process(raw));
    this.queue = next;
    return next;
  }

  private async process(raw: unknown): Promise<void> {
    if (!isToWorker(raw)) {
      this.post({
        type: 'log',
        level: 'error',
        message: `Ignored a malformed message: ${JSON.stringify(raw)}`,
      });
      return;
    }
    const msg: ToWorker = raw;
    try {
      switch (msg.type) {
        case 'init':
          return await this.init(msg);
        case 'start':
          return await this.start(msg.jobId, msg.spec);
        case 'pause':
          return this.withJob(msg.jobId, (r) => r.pause());
        case 'resume':
          return this.withJob(msg.jobId, (r) => r.run());
        case 'step':
          return this.withJob(msg.jobId, (r) => r.stepBy(msg.steps));
        case 'stop':
          if (this.current?.id === msg.jobId) await this.stopCurrent();
          return;
        case 'rollback': {
          const cur = this.jobFor(msg.jobId);
          if (cur) await cur.runner.rollback();
          return;
        }
        case 'throttle':
          return this.withJob(msg.jobId, (r) => r.setRateCap(msg.stepsPerSecond));
        case 'autosave':
          return this.withJob(msg.jobId, (r) => r.setAutosave(msg.everySteps));
        case 'checkpoint': {
          const cur = this.jobFor(msg.jobId);
          if (cur) await cur.runner.requestCheckpoint();
          return;
        }
        case 'export-model':
          return await this.exportModel(msg.jobId);
        case 'configure':
          return this.configure(msg.jobId, msg.config);
        case 'query':
          return await this.query(msg);
        case 'policies':
          return await this.policies(msg);
        case 'lose-device':
          if (!this.deps.loseDevice()) {
            this.post({
              type: 'log',
              level: 'warn',
              message: `The ${this.backend?.name ?? 'current'} backend has no GPU device to lose.`,
            });
          }
          return;
      }
    } catch (e) {
      const jobId = 'jobId' in msg ? msg.jobId : -1;
      if (msg.type === 'init') this.post({ type: 'init-failed', message: message(e) });
      else this.post({ type: 'job-state', jobId, state: 'failed', step: 0, message: message(e) });
    }
  }

  private async init(msg: Extract<ToWorker, { type: 'init' }>): Promise<void> {
    this.jobs.dataUrl = msg.dataUrl;
    const caps = await this.deps.probe();
    const options = { wasmPrefix: msg.wasmPrefix, wasmThreads: msg.wasmThreads ?? null };
    let candidates = backendCandidates(caps, msg.backend, msg.exclude);
    const choice =
      msg.backend === 'auto'
        ? await this.timedChoice(candidates, caps, options, msg.autoRecords)
        : null;
    if (choice) candidates = rankCandidates(candidates, choice.results);
    const active = await this.deps.activate(candidates, msg.backend, caps, options);
    // The page says why a better backend is not in use, including ones never tried.
    this.backend = {
      ...active,
      unoffered: unofferedBackends(active.name, caps, msg.exclude),
      ...(choice ? { choice } : {}),
    };
    this.unwatch = this.deps.watchDeviceLoss((text) => void this.onDeviceLost(text));
    this.post({ type: 'ready', backend: this.backend });
  }

  /**
   * "Auto" by measurement: this device's remembered timings, or new ones
   * (the page keeps them). Null when there is nothing to choose between.
   */
  private async timedChoice(
    candidates: BackendName[],
    caps: Capabilities,
    options: { wasmPrefix: string; wasmThreads: number | null },
    records: unknown,
  ): Promise<AutoChoice | null> {
    const time = this.deps.timeBackends;
    if (!time) return null;
    const device = deviceKey(caps, this.deps.traits?.() ?? { userAgent: '', cores: 1 });
    const known = parseAutoRecords(records).find((r) => r.device === device);
    if (known) return { ...known, remembered: true };
    const plan = timingPlan(candidates, caps);
    if (!plan) return null;
    const results = await time(plan, caps, options, (name) =>
      this.post({ type: 'backend-timing', name }),
    );
    return { device, at: new Date().toISOString(), results, remembered: false };
  }

  private async onDeviceLost(text: string): Promise<void> {
    if (this.lost || !this.backend) return;
    this.lost = true;
    const name = this.backend.name;
    // The job's tensors died with the device; stopping it only frees what is left.
    await this.stopCurrent().catch(() => {});
    this.post({ type: 'device-lost', backend: name, message: text });
  }

  private async start(id: number, spec: JobSpec): Promise<void> {
    if (!this.backend) throw new Error('The worker has no backend yet; wait for it to be ready.');
    if (this.lost) throw new Error('The GPU device was lost; the worker is restarting.');
    await this.stopCurrent();
    this.post({ type: 'job-state', jobId: id, state: 'starting', step: 0 });
    const job = await this.jobs.create(spec, this.backend.name);
    job.onProgress = (progress) => this.post({ type: 'job-progress', jobId: id, progress });
    if (spec.resume) {
      try {
        if (!job.loadState) throw new Error(`a ${spec.kind} job cannot be resumed`);
        await job.loadState(spec.resume);
      } catch (e) {
        job.dispose();
        throw new Error(`The saved run could not be resumed: ${message(e)}`, { cause: e });
      }
    }
    const runner = new JobRunner<JobSnapshot>(
      job,
      {
        state: (state, step, text) =>
          this.post(
            text === undefined
              ? { type: 'job-state', jobId: id, state, step }
              : { type: 'job-state', jobId: id, state, step, message: text },
          ),
        snapshot: (snapshot, transfer) =>
          this.post({ type: 'snapshot', jobId: id, snapshot }, transfer),
        checkpoint: (state, reason) => {
          // Copied into one buffer here, in the worker: the page stores that buffer as it is.
          const checkpoint = inOneBuffer(state);
          this.post({ type: 'checkpoint', jobId: id, reason, checkpoint }, [
            [...checkpoint.weights, ...checkpoint.optimizer][0]?.data.buffer ?? new ArrayBuffer(0),
          ]);
        },
        checkpointFailed: (text) =>
          this.post({ type: 'checkpoint-failed', jobId: id, message: text }),
      },
      this.deps.runner,
    );
    this.current = { id, runner, job };
    if (spec.paused) await runner.announcePaused();
    else runner.run();
  }

  private jobFor(id: number): { runner: JobRunner<JobSnapshot>; job: Job } | null {
    if (this.current?.id === id) return this.current;
    this.post({ type: 'log', level: 'warn', message: `Job ${id} is not running.` });
    return null;
  }

  private configure(id: number, config: GanConfig): void {
    const cur = this.jobFor(id);
    if (!cur) return;
    let error: string | null = null;
    try {
      if (!(cur.job instanceof GanJob)) throw new Error('This job takes no new settings.');
      cur.job.reconfigure(config);
    } catch (e) {
      error = message(e);
    }
    this.post({ type: 'configured', jobId: id, error });
  }

  private async exportModel(id: number): Promise<void> {
    const cur = this.current?.id === id ? this.current : null;
    try {
      if (!(cur?.job instanceof GanJob)) throw new Error('No GAN is running to export.');
      const files = await cur.job.generatorFiles();
      this.post({ type: 'model-files', jobId: id, files, error: null }, [files.weights]);
    } catch (e) {
      this.post({ type: 'model-files', jobId: id, files: null, error: message(e) });
    }
  }

  private async query(msg: Extract<ToWorker, { type: 'query' }>): Promise<void> {
    const reply = { type: 'answer', jobId: msg.jobId, queryId: msg.queryId } as const;
    const cur = this.current?.id === msg.jobId ? this.current : null;
    try {
      if (!(cur?.job instanceof GanJob)) throw new Error('No GAN is running to ask.');
      const answer = await cur.job.answer(msg.query);
      this.post({ ...reply, answer, error: null }, [answer.pixels.buffer]);
    } catch (e) {
      this.post({ ...reply, answer: null, error: message(e) });
    }
  }

  private async policies(msg: Extract<ToWorker, { type: 'policies' }>): Promise<void> {
    const reply = { type: 'policies', jobId: msg.jobId, queryId: msg.queryId } as const;
    const cur = this.current?.id === msg.jobId ? this.current : null;
    try {
      if (!cur || !(cur.job instanceof RecsysJob)) throw new Error('No race is running to ask.');
      const job = cur.job;
      const policies = await cur.runner.between(() => job.policies());
      this.post({ ...reply, policies, error: null });
    } catch (e) {
      this.post({ ...reply, policies: null, error: message(e) });
    }
  }

  private withJob(id: number, act: (r: JobRunner<JobSnapshot>) => void): void {
    const cur = this.jobFor(id);
    if (cur) act(cur.runner);
  }

  private async stopCurrent(): Promise<void> {
    const cur = this.current;
    this.current = null;
    if (cur) await cur.runner.stop();
  }

  /** Stops the job and the device watch (worker shutdown, tests). */
  async dispose(): Promise<void> {
    this.unwatch();
    await this.stopCurrent();
  }
}
