/**
 * The commands a lab sends about its current job. Each lab owns one, with
 * its own range of job ids so that two labs sharing the worker never answer
 * to each other's messages.
 */
import type { JobSpec } from '../../core/protocol';
import type { TrainingClient } from '../training-client.svelte';

export class JobControl {
  constructor(
    private readonly client: TrainingClient,
    private id: number,
  ) {}

  /** The id of the job these commands address. */
  get jobId(): number {
    return this.id;
  }

  /** Starts a new job (replacing any running one) and addresses it from now on. */
  start(spec: JobSpec): void {
    this.id++;
    this.client.send({ type: 'start', jobId: this.id, spec });
  }

  /** Stops listening to the current job: later messages about it carry an old id. */
  forget(): void {
    this.id++;
  }

  pause(): void {
    this.client.send({ type: 'pause', jobId: this.id });
  }

  resume(): void {
    this.client.send({ type: 'resume', jobId: this.id });
  }

  stepBy(steps: number): void {
    this.client.send({ type: 'step', jobId: this.id, steps });
  }

  stop(): void {
    this.client.send({ type: 'stop', jobId: this.id });
  }

  /** Autosave every N steps and on pause; 0 turns it off. */
  autosave(everySteps: number): void {
    this.client.send({ type: 'autosave', jobId: this.id, everySteps });
  }

  /** Asks for a checkpoint of the job's full state now. */
  checkpoint(): void {
    this.client.send({ type: 'checkpoint', jobId: this.id });
  }
}
