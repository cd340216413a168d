/**
 * The training worker's jobs: each kind built from its spec, with the data
 * it needs loaded once per worker (MNIST, the digit classifier) and the
 * download's progress posted to the page.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../core/compute/backends';
import { splitTrainTest, type MnistData, type OnBytes } from '../core/data/mnist';
import { DigitClassifierJob } from '../core/demo/digit-classifier';
import type { ClassifierManifest } from '../core/gan/classifier';
import type { GanConfig } from '../core/gan/config';
import { GanJob } from '../core/gan/gan-job';
import { MNIST_SHAPE } from '../core/gan/models';
import type { GanImages } from '../core/gan/snapshot';
import { TabularGanJob } from '../core/gan/tabular-job';
import type { TrainingJob } from '../core/jobs/job';
import type { JobSnapshot, JobSpec, Post } from '../core/protocol';
import { RecsysJob } from '../core/rl/lab/recsys-job';
import { LogModelJob } from '../core/rl/models/log-model-job';
import { logModelConfigError, type LogModelConfig } from '../core/rl/models/log-model-config';
import { readLogSource, type OwnLog } from '../core/rl/models/log-source';

type Job = TrainingJob<JobSnapshot>;

/** Where the shipped data come from; the worker passes the real loaders, tests their own. */
export interface DataLoaders {
  /** `onBytes` follows the download, for the page's progress bar. */
  loadMnist(baseUrl: string, onBytes?: OnBytes): Promise<MnistData>;
  /** A shipped interaction log's CSV text (`name` under data/logs/). */
  loadLogText?(url: string): Promise<string>;
  /** The shipped digit classifier for GAN metrics. */
  loadClassifier(baseUrl: string): Promise<{ model: tf.LayersModel; manifest: ClassifierManifest }>;
}

/** A GAN on the user's own images: all of them train, and the MNIST metrics do not apply. */
function ownImagesJob(config: GanConfig, images: GanImages | undefined): GanJob {
  if (!images) throw new Error('No images came with the job: load your own images first.');
  const { side, channels, count, pixels } = images;
  if (!(channels === 1 || channels === 3) || !Number.isInteger(side) || !Number.isInteger(count))
    throw new Error(`The image set has an unknown shape: ${side}×${side}×${channels}.`);
  return new GanJob(config, {
    data: { count, pixels, labels: null },
    shape: { side, channels },
    train: Uint32Array.from({ length: count }, (_, i) => i),
    test: new Uint32Array(0),
    classifier: null,
  });
}

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`The sample log did not load (HTTP ${response.status}).`);
  return response.text();
}

export class JobFactory {
  /** Where the shipped data sets are served from (set by the page's init). */
  dataUrl = '';
  private mnist: Promise<MnistData> | null = null;
  private classifier: Promise<{
    model: tf.LayersModel;
    manifest: ClassifierManifest;
  } | null> | null = null;

  constructor(
    private readonly post: Post,
    private readonly deps: DataLoaders,
  ) {}

  /** A new job for `spec`, its data loaded first; `backend` is the one training runs on. */
  async create(spec: JobSpec, backend: BackendName): Promise<Job> {
    switch (spec.kind) {
      case 'mnist-demo': {
        const data = await this.loadMnist();
        return new DigitClassifierJob(data, splitTrainTest(data.count), spec.config);
      }
      case 'gan': {
        if (spec.config.model === 'toy') return new GanJob(spec.config, null);
        if (spec.config.dataset === 'own') return ownImagesJob(spec.config, spec.images);
        const [data, classifier] = await Promise.all([this.loadMnist(), this.loadClassifier()]);
        return new GanJob(spec.config, {
          data,
          shape: MNIST_SHAPE,
          ...splitTrainTest(data.count),
          classifier: classifier?.model ?? null,
          classifierAccuracy: classifier?.manifest.testAccuracy,
        });
      }
      case 'recsys':
        return RecsysJob.create(spec.config, backend);
      case 'log-model':
        return this.logModelJob(spec.config, spec.log ?? null);
      case 'tabular-gan':
        if (!(spec.data?.values instanceof Float32Array) || !Array.isArray(spec.data.names))
          throw new Error('No shopper table came with the job: accept a log first.');
        return new TabularGanJob(spec.config, spec.data);
    }
  }

  /** The model on the log it names: one the simulator writes here (with its truth), or the shipped sample. */
  private async logModelJob(config: LogModelConfig, own: OwnLog | null): Promise<LogModelJob> {
    const problem = logModelConfigError(config);
    if (problem) throw new Error(`The model's settings: ${problem.field} ${problem.message}.`);
    const url = `${this.dataUrl}logs/sample-interactions.csv`;
    const { log, truth, race } = await readLogSource(
      config,
      () => (this.deps.loadLogText ?? fetchText)(url),
      own,
    );
    return new LogModelJob(
      config,
      log,
      truth,
      race,
      config.source === 'own' && own ? own.name : null,
    );
  }

  private loadMnist(): Promise<MnistData> {
    // Reported at most every 1% (and at the end), not per network chunk.
    let shown = -1;
    const onBytes: OnBytes = (received, total) => {
      const percent = Math.floor((100 * received) / total);
      if (percent === shown && received < total) return;
      shown = percent;
      this.post({ type: 'dataset-progress', name: 'MNIST digits', received, total });
    };
    this.mnist ??= this.deps.loadMnist(`${this.dataUrl}mnist/`, onBytes).catch((e: unknown) => {
      this.mnist = null; // let a later start try again
      throw e;
    });
    return this.mnist;
  }

  /**
   * The classifier is optional: without it a GAN still trains, only its
   * quality metrics are off, so a load failure is a warning.
   */
  private loadClassifier(): Promise<{
    model: tf.LayersModel;
    manifest: ClassifierManifest;
  } | null> {
    this.classifier ??= this.deps.loadClassifier(`${this.dataUrl}mnist/`).catch((e: unknown) => {
      this.classifier = null;
      this.post({
        type: 'log',
        level: 'warn',
        message: `Quality metrics are off: ${e instanceof Error ? e.message : String(e)}`,
      });
      return null;
    });
    return this.classifier;
  }
}
