/**
 * The training worker's logic: it answers the page's messages, brings up the
 * backend, runs one job at a time and reports device loss. The worker entry
 * only wires `self.onmessage` to `handle`; node tests call `handle` directly.
 */
import { backendCandidates, type BackendInfo, type Capabilities } from '../compute/backends';
import type { MnistData } from '../data/mnist';
import { splitTrainTest } from '../data/mnist';
import { DigitClassifierJob } from '../demo/digit-classifier';
import { isToWorker, type JobSnapshot, type JobSpec, type Post, type ToWorker } from '../protocol';
import type { TrainingJob } from './job';
import { JobRunner, type RunnerOptions } from './runner';

/** What the host needs from the outside world; the worker passes the real ones. */
export interface HostDeps {
  probe(): Promise<Capabilities>;
  activate(
    candidates: ReturnType<typeof backendCandidates>,
    requested: BackendInfo['requested'],
    caps: Capabilities,
    options: { wasmPrefix: string },
  ): Promise<BackendInfo>;
  watchDeviceLoss(onLost: (message: string) => void): () => void;
  loseDevice(): boolean;
  loadMnist(baseUrl: string): Promise<MnistData>;
  runner?: Partial<RunnerOptions>;
}

type Job = TrainingJob<JobSnapshot>;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class TrainingHost {
  private backend: BackendInfo | null = null;
  private dataUrl = '';
  private mnist: Promise<MnistData> | null = null;
  private current: { id: number; runner: JobRunner<JobSnapshot> } | null = null;
  private unwatch: () => void = () => {};
  private lost = false;

  constructor(
    private readonly post: Post,
    private readonly deps: HostDeps,
  ) {}

  /** Handles one message from the page. Never throws: problems are posted back. */
  async handle(raw: unknown): Promise<void> {
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
    this.dataUrl = msg.dataUrl;
    const caps = await this.deps.probe();
    const candidates = backendCandidates(caps, msg.backend, msg.exclude);
    this.backend = await this.deps.activate(candidates, msg.backend, caps, {
      wasmPrefix: msg.wasmPrefix,
    });
    this.unwatch = this.deps.watchDeviceLoss((text) => void this.onDeviceLost(text));
    this.post({ type: 'ready', backend: this.backend });
  }

  private async onDeviceLost(text: string): Promise<void> {
    if (this.lost || !this.backend) return;
    this.lost = true;
    const name = this.backend.name;
    // The job's tensors died with the device; stopping it only frees what is left.
    await this.stopCurrent().catch(() => {});
    this.post({ type: 'device-lost', backend: name, message: text });
  }

  private loadMnist(): Promise<MnistData> {
    this.mnist ??= this.deps.loadMnist(`${this.dataUrl}mnist/`).catch((e: unknown) => {
      this.mnist = null; // let a later start try again
      throw e;
    });
    return this.mnist;
  }

  private async start(id: number, spec: JobSpec): Promise<void> {
    if (!this.backend) throw new Error('The worker has no backend yet; wait for it to be ready.');
    if (this.lost) throw new Error('The GPU device was lost; the worker is restarting.');
    await this.stopCurrent();
    this.post({ type: 'job-state', jobId: id, state: 'starting', step: 0 });
    const job = await this.createJob(spec);
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
      },
      this.deps.runner,
    );
    this.current = { id, runner };
    runner.run();
  }

  private async createJob(spec: JobSpec): Promise<Job> {
    switch (spec.kind) {
      case 'mnist-demo': {
        const data = await this.loadMnist();
        return new DigitClassifierJob(data, splitTrainTest(data.count), spec.config);
      }
    }
  }

  private withJob(id: number, act: (r: JobRunner<JobSnapshot>) => void): void {
    if (this.current?.id !== id) {
      this.post({ type: 'log', level: 'warn', message: `Job ${id} is not running.` });
      return;
    }
    act(this.current.runner);
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
