/**
 * Judging a new recommender on an old log: why a log's plain average is
 * the old recommender's score and not the new one's, what importance
 * weights fix, when they explode, and what learning from a log needs
 * (pessimism). One evaluation on the simulator's log, whose truth is known,
 * carries every step; the claims are checked in
 * tests/unit/lessons/ope-claims.test.ts with the step's own settings.
 */
import type { Lesson, OpeLessonSetup } from './lesson';

/**
 * The form's defaults (the simulator's log of 10,000 shoppers, half of them
 * teaching the agents) on seed 5, a typical log: over seeds 1 to 6 four give
 * the pessimistic policy about 1,000 effective rows, as this one does, and
 * two (seed 1 among them) about 300.
 */
export const JUDGE_ON_LOG: OpeLessonSetup = { lab: 'ope', settings: { seed: 5 }, start: true };

export const JUDGE_ON_A_LOG: Lesson = {
  id: 'judge-on-a-log',
  title: 'Judging a recommender on an old log',
  topic: 'rl',
  summary:
    'Off-policy evaluation: what a log says about a recommender that did not write it, when it can say nothing, and why learning from a log needs pessimism.',
  steps: [
    {
      title: 'A log’s average is the old recommender’s score',
      text: [
        'A shop’s log records what its recommender showed and what shoppers did. Every row was chosen by that recommender, the logging policy μ, so the log’s average reward is what μ earns. A new policy π would have shown other items to the same shoppers: the average says nothing about it.',
        'Here the simulator writes a log of 10,000 shoppers (seed 5), each shown one item by a softmax recommender that records the probability it gave that item (its propensity). The first 5,000 shoppers teach three of the lab’s agents; every policy is judged on the other 5,000. The simulator knows each shopper’s true click probabilities, so each estimate stands beside the truth.',
      ],
      tex: [
        String.raw`\frac{1}{n}\sum_{i=1}^{n} r_i \;\to\; \mathbb{E}_{a \sim \mu}[\,r\,] = V(\mu) \neq V(\pi)`,
      ],
      setup: JUDGE_ON_LOG,
      action: 'Judge five policies on a simulated log',
      look: 'Under “Evaluate on a log”: the log’s own average, about 0.46 clicks a decision, next to the truth for the old recommender, about 0.45. The naive average would give each of the five policies that same number; their truths run from about 0.1 to almost 0.6.',
    },
    {
      title: 'Weights fix it',
      text: [
        'Inverse propensity scoring reweighs each logged row by how much more, or less, often the new policy would have shown its item: a row π would show twice as often counts twice, one it would never show counts nothing. Wherever μ could show what π would, the weighted average’s expectation is π’s value.',
        'Self-normalised IPS divides by the sum of the weights instead of the rows; doubly robust adds a model of rewards and uses the weights only on the model’s errors.',
      ],
      tex: [
        String.raw`\hat V_{\text{IPS}}(\pi) = \frac{1}{n}\sum_{i=1}^{n} \frac{\pi(a_i \mid x_i)}{\mu(a_i \mid x_i)}\, r_i`,
        String.raw`\mathbb{E}\big[\hat V_{\text{IPS}}(\pi)\big] = V(\pi)`,
      ],
      look: 'The IPS column: the example team policy (the old recommender made sharper) about 0.52 against its truth 0.50, the pessimistic policy about 0.60 against 0.59, each truth inside its interval. The direct method, a model alone, puts every policy near 0.4 to 0.6 whatever it does.',
    },
    {
      title: 'When the weights explode',
      text: [
        'The agents learned from 5,000 rows over 400 items and three segments: most items were shown to a segment a handful of times. An online learner is optimistic about what it knows little of, which is how it explores; taught by a log, that optimism picks items shown twice and clicked twice. The old recommender rarely showed those items, so their weights are huge and a few rows decide the estimate.',
        'The effective sample size of the weights wᵢ = π(aᵢ|xᵢ)/μ(aᵢ|xᵢ) says how many rows an estimate really rests on.',
      ],
      tex: [String.raw`\text{ESS} = \frac{\left(\sum_i w_i\right)^2}{\sum_i w_i^2}`],
      look: 'The three agents: an ESS of 50 to 90 of 5,000 rows, largest weights of 125 to 155, wide intervals and a poor-overlap warning each. Even so every estimator but the direct method puts them below the log’s average, and the truth agrees: their lucky items are not good ones (the winner’s curse).',
    },
    {
      title: 'Learning from a log needs pessimism',
      text: [
        'The fix is to learn the other way round: per segment, take the item whose click rate has the best lower 95% bound on the same 5,000 rows. An item shown twice and clicked twice has a low bound; one shown 300 times and clicked 180 has a high one. Pessimism keeps the policy where the log has evidence, which is also where its estimates can be trusted.',
      ],
      tex: [
        String.raw`a^*(x) = \arg\max_a \; \text{lower}_{95\%}\big(\hat p_{x,a};\, n_{x,a}\big)`,
      ],
      look: 'Best lower bound (pessimistic): about 0.6 clicks a decision by DR, its interval clear above the log’s average, on an ESS near 1,000; truth 0.59, a third more than the old recommender. Other seeds move the numbers, not the story: over seeds 1 to 6 its truth runs from 0.54 to 0.59, always a fifth or more above the old recommender’s.',
    },
  ],
};
