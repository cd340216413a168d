/**
 * The two-headed network as a racing agent: trained by the lab's job on the
 * panel's default log (10,000 simulated fashion sessions, 5 epochs), raced
 * from the models panel's race (logRaceConfig) on new shoppers, three seeds.
 * Its softmax head goes on learning by the REINFORCE step; the same network
 * with a step too small to move it shows what that learning is worth.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { logRaceConfig } from '../../../../src/core/rl/lab/config';
import { curveAt } from '../../../../src/core/rl/lab/story';
import { LOG_MODEL_PRESET } from '../../../../src/core/rl/models/log-model-config';
import { trainLogModel } from '../../helpers/log-model';
import { runRace } from '../../helpers/race';
import { useWorkerWasm } from '../../helpers/kernel-checks';

beforeAll(useWorkerWasm);

describe('the two-headed network, learned from a log, racing new shoppers', () => {
  it('starts ahead of random, and its policy-gradient step carries it past Q-learning by 8,000 decisions', async () => {
    const snap = await trainLogModel({ ...LOG_MODEL_PRESET, model: 'two-headed' });
    const prior = snap.prior!;
    expect(prior.cf).toBeNull();
    expect(prior.twoHeaded!.actions).toHaveLength(400);
    const race = logRaceConfig(prior);
    expect(race.agents.map((a) => a.kind)).toEqual([
      'two-headed',
      'popularity',
      'qlearning',
      'random',
    ]);
    const [learning, , qlearning, random] = race.agents;
    // The same start with a step of 1e-6: the log's policy, as good as frozen.
    const frozen = { ...learning!, learningRate: 1e-6 };
    const rows: Record<string, { early: number; late: number }>[] = [];
    for (const s of [0, 1, 2]) {
      const config = {
        ...race,
        seed: race.seed + s,
        agents: [learning!, frozen, qlearning!, random!],
      };
      const r = await runRace(config, 8_000 / config.population, 25);
      rows.push(
        Object.fromEntries(
          ['learning', 'frozen', 'qlearning', 'random'].map((k, i) => [
            k,
            {
              early: curveAt(r.curves[i]!.reward, 2_000),
              late: curveAt(r.curves[i]!.reward, 8_000),
            },
          ]),
        ),
      );
    }
    console.log(`two-headed race: ${JSON.stringify(rows)}`);
    for (const r of rows) {
      expect(r['frozen']!.early).toBeGreaterThan(1.2 * r['random']!.early);
      expect(r['learning']!.late).toBeGreaterThan(1.3 * r['frozen']!.late);
      expect(r['learning']!.late).toBeGreaterThan(r['qlearning']!.late);
    }
  }, 300_000);
});
