/**
 * Trains one of the source's recommender models in node the way the lab's
 * worker does (the same job, the same log source), until it pauses at the
 * epochs asked for: what the lesson and model tests read.
 */
import { readFileSync } from 'node:fs';
import { JobPausedError } from '../../../src/core/jobs/job';
import type {
  LogModelConfig,
  LogModelSnapshot,
} from '../../../src/core/rl/models/log-model-config';
import { LogModelJob } from '../../../src/core/rl/models/log-model-job';
import { readLogSource, type OwnLog } from '../../../src/core/rl/models/log-source';

/** The shipped sample log's text, as the page serves it. */
export const sampleLogText = async (): Promise<string> =>
  readFileSync('public/data/logs/sample-interactions.csv', 'utf8');

/** The job's snapshot once it has trained `config.epochs` epochs. */
export async function trainLogModel(
  config: LogModelConfig,
  own: OwnLog | null = null,
): Promise<LogModelSnapshot> {
  const { log, truth, race } = await readLogSource(config, sampleLogText, own);
  const job = new LogModelJob(config, log, truth, race);
  try {
    for (;;) {
      job.trainStep();
      try {
        await job.flush();
      } catch (e) {
        if (e instanceof JobPausedError) break;
        throw e;
      }
    }
    return (await job.snapshot()).snapshot;
  } finally {
    job.dispose();
  }
}
