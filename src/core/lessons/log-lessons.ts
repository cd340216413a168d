/**
 * From a log to a recommender: collaborative filtering trained on a shop's
 * log, then racing on new shoppers in that shop. The sample log is too
 * small for it, and the lesson says so with what the lab measures; a
 * simulated log fifty times as big is the fix. The claims are checked in
 * tests/unit/lessons/log-claims.test.ts with the steps' own settings.
 */
import type { Lesson, LogModelLessonSetup } from './lesson';

const trainCf = (config: LogModelLessonSetup['config']): LogModelLessonSetup => ({
  lab: 'log-model',
  config: { model: 'cf', seed: 1, ...config },
  start: true,
});

/** The sample log's CF: 2 epochs, as its held-out metrics do not improve after that. */
export const SAMPLE_CF = trainCf({ source: 'sample', epochs: 2 });
/** The fix: a simulated log of the same shop, 10,000 sessions, 5 epochs. */
export const BIG_LOG_CF = trainCf({ source: 'simulated', sessions: 10_000, epochs: 5 });

export const LOG_TO_RECOMMENDER: Lesson = {
  id: 'log-to-recommender',
  title: 'From a log to a recommender',
  topic: 'rl',
  summary:
    'Collaborative filtering learns from what shoppers did, then races new shoppers: when a log is too small, and what a big enough one buys.',
  steps: [
    {
      title: 'A log, and a model of it',
      text: [
        'A shop keeps a log: who was shown what, and who clicked, carted and bought. The sample log has 300 sessions of the fashion shop: 1,903 views of 398 items, 280 clicks, 82 purchases.',
        'Collaborative filtering (the source’s article 002, fixed) learns a short vector for each shopper and each item, so that their dot product plus two biases predicts a click. A fifth of the log is held out. The hit rate asks: among the held-out click and 99 items that shopper did not click, is the click in the model’s top 10? A random ranking manages that one time in ten.',
      ],
      tex: [
        String.raw`\hat p(\text{click} \mid u, i) = \sigma\big(\mathbf{u}_u \cdot \mathbf{v}_i + b_u + b_i\big)`,
      ],
      setup: SAMPLE_CF,
      action: 'Train CF on the sample log',
      look: 'The table under “Train them here”: AUC about 0.51 (0.5 is chance) and a hit rate about 0.16, where a random ranking scores 0.1: on 56 held-out clicks, within the noise of chance. With so few it also jumps by a few hundredths from one epoch to the next.',
    },
    {
      title: 'Race it on new shoppers',
      text: [
        'Now CF recommends to shoppers it has never met, in the shop that wrote the log. A new shopper starts from the mean vector of the log’s shoppers in the same segment, and CF goes on learning from every click, one gradient step at a time. Beside it race the shop’s bestseller list (started from the log’s sales), Q-learning, which starts from nothing, and random.',
      ],
      tex: [String.raw`\mathbf{u}_{\text{new}} = \frac{1}{|S|} \sum_{u \in S} \mathbf{u}_u`],
      setup: { lab: 'log-race' },
      action: 'Race CF against Q-learning',
      look: 'Cumulative reward after 2,000 decisions: CF about three quarters ahead of random, and Q-learning, with no log at all, close behind CF (level on one seed, a quarter behind on another); by 8,000 Q-learning is ahead on two seeds of three. The bestseller list is below random on two seeds of three.',
    },
    {
      title: 'Why the log was not enough',
      text: [
        'Five views an item, on average, cannot tell a good item from a lucky one: at a 15% click rate, the uncertainty of an item’s estimated rate from five views is as large as the rate itself. CF learned little more than noise, and the hit rate said so before the race did: Q-learning, which started from nothing, passes it by 8,000 decisions on two seeds of three.',
        'The bestseller list is worse: 82 sales spread over 77 items, none sold more than twice, make a list of items picked by luck. It shows them to every shopper, whatever their segment, again and again, and never tries anything else, so it never finds out.',
      ],
      tex: [
        String.raw`\operatorname{se}(\hat p_i) = \sqrt{\hat p_i\,(1 - \hat p_i) / n_i} \approx \sqrt{0.15 \cdot 0.85 / 5} = 0.16`,
      ],
    },
    {
      title: 'The fix: more log',
      text: [
        'The simulator can write a log of the same shop as long as we like. Train CF on 10,000 sessions, about 160 views an item. The simulator also knows each item’s true click probability, so the table adds a check no real log allows: do CF’s item scores rank the items as the truth does?',
      ],
      setup: BIG_LOG_CF,
      action: 'Train CF on 10,000 sessions',
      look: 'AUC about 0.64 and a hit rate about 0.21, twice chance, and a Spearman correlation with the true click probabilities near 0.87.',
    },
    {
      title: 'Race again',
      text: [
        'The same race, from the model that learned from the big log. What a log buys is a head start: from the first shoppers on, CF shows what people like them clicked. Q-learning learns what to show in each state as it goes, and given enough shoppers it catches up.',
        'A bigger log does not save the bestseller list: it is still one list for every shopper, whatever they want, shown until they tire of it.',
      ],
      setup: { lab: 'log-race' },
      action: 'Race the new CF against Q-learning',
      look: 'After 2,000 decisions CF is about 30% ahead of Q-learning (a tenth to a half from one seed to the next), and the log’s bestseller list is below random again; by 8,000 Q-learning has caught up to within an eighth.',
    },
  ],
};
