/**
 * The oracle as an agent, for comparison only: it looks inside the shop at
 * the current shopper's true probabilities (which no real recommender can)
 * and shows the oracle's slate, so its regret is 0 by definition and every
 * learner's reward is bounded by it on a stationary shop.
 */
import type { Agent } from '../contract';
import { Oracle } from './oracle';
import type { ShopEnv } from './shop-env';

export class OracleAgent implements Agent {
  readonly name = 'oracle';
  private oracle: Oracle | null = null;
  private pool: ShopEnv['shoppers'] | null = null;
  constructor(private readonly env: ShopEnv) {}

  private current(): Oracle {
    // The env swaps its pool on reset(seed); follow it.
    if (this.pool !== this.env.shoppers || !this.oracle) {
      this.pool = this.env.shoppers;
      this.oracle = new Oracle(this.pool, this.env.reward, this.env.slateSize);
    }
    return this.oracle;
  }

  act(): number {
    const o = this.current();
    o.best(0);
    return o.slate[0]!;
  }

  rank(): Int32Array {
    const o = this.current();
    o.best(0);
    return o.slate.slice();
  }

  learn(): void {}
}
