/** The reinforcement-learning lessons: explore vs exploit, Q-table to DQN, designing a reward. */
import { DWELL_SECONDS as D } from '../rl/reward/shop-reward';
import type { Lesson, RecsysLessonSetup } from './lesson';

const race = (
  agents: RecsysLessonSetup['agents'],
  config: RecsysLessonSetup['config'] = {},
): RecsysLessonSetup => ({ lab: 'recsys', shop: 'fashion', agents, config, start: true });

export const EXPLORE_EXPLOIT: Lesson = {
  id: 'explore-exploit',
  title: 'Explore vs exploit',
  topic: 'rl',
  summary:
    'Bandits choosing which items to show: random, ε-greedy, UCB1 and Thompson sampling race.',
  steps: [
    {
      title: 'A shop as a bandit',
      text: [
        'Each item has a chance of being clicked that nobody knows. A recommender shows items, sees clicks, and must choose: show what has worked so far (exploit), or try something it knows little about (explore)?',
        'Regret counts what the choices cost against always showing the best item. A learner that never explores may stick with a mediocre item for ever; one that always explores never cashes in.',
      ],
      tex: [String.raw`\text{Regret}_T = \sum_{t=1}^{T} \big(\mu^{*} - \mu_{a_t}\big)`],
      setup: race([{ kind: 'random' }, { kind: 'egreedy' }, { kind: 'ucb' }, { kind: 'ts-beta' }]),
      action: 'Race four bandits',
      look: 'The four curves: cumulative reward, regret, click-through rate, conversion.',
    },
    {
      title: 'ε-greedy',
      text: [
        'The simplest rule: with probability ε show a random item, otherwise the item with the best click rate so far. With a fixed ε = 0.1 it keeps exploring at the same rate for ever: one decision in ten stays random, a cost it never stops paying. In this shop that is cheap, and ε-greedy often keeps up with the cleverer rules below.',
      ],
      tex: [
        String.raw`a_t = \begin{cases} \text{a random item} & \text{with probability } \varepsilon \\ \arg\max_a \hat\mu_a & \text{otherwise} \end{cases}`,
      ],
      look: 'The regret chart: after the first few thousand decisions every learner’s line stays below random’s straight one. Thompson sampling, which tries every item first, runs beside random the longest.',
    },
    {
      title: 'UCB1: optimism',
      text: [
        'UCB1 adds to each estimate a bonus that is large for items tried rarely and shrinks as evidence grows. It shows the item whose upper confidence bound is highest: either it really is good, or we learn that it is not.',
      ],
      tex: [String.raw`a_t = \arg\max_a \Big[\hat\mu_a + c \sqrt{\tfrac{\ln t}{n_a}}\,\Big]`],
      look: '“Inside the agents”: arm estimates with their bands next to the truth.',
    },
    {
      title: 'Thompson sampling: belief',
      text: [
        'Thompson sampling keeps a Beta distribution over each item’s click rate. Each time it draws one guess from every distribution and shows the item with the highest draw. Uncertain items sometimes draw high, so they get tried; items known to be poor almost never do.',
      ],
      tex: [
        String.raw`\theta_a \sim \operatorname{Beta}(1 + \text{clicks}_a,\; 1 + \text{misses}_a)`,
        String.raw`a_t = \arg\max_a \theta_a`,
      ],
      look: 'The regret chart: the learners’ lines bend below random’s, but none goes flat. Regret here counts against an oracle that knows each shopper’s own taste, which no bandit sees. (With fixed click rates, as in textbooks, UCB1’s and Thompson’s regret grows like log t.)',
    },
    {
      title: 'Turn the knob',
      text: [
        'Exploration has a price that depends on the shop. Make shoppers’ tastes drift faster and what was learned goes stale: an agent that stopped exploring stops noticing. Race again and see who adapts.',
      ],
      setup: race([{ kind: 'egreedy-decay' }, { kind: 'ucb' }, { kind: 'ts-beta' }], {
        drift: 0.1,
      }),
      action: 'Race with drifting tastes',
      look: 'Click-through rate over time: who keeps up as tastes move?',
    },
  ],
};

export const Q_TO_DQN: Lesson = {
  id: 'q-table-to-dqn',
  title: 'From Q-table to DQN',
  topic: 'rl',
  summary:
    'When what to show depends on the shopper: Q-learning, the Bellman equation, and a network in its place.',
  steps: [
    {
      title: 'State matters',
      text: [
        'A bandit shows everyone the same best item. But the right item depends on who is shopping and what they just did. Reinforcement learning adds a state s (the shopper’s segment and recent behaviour) and values actions in context: Q(s, a) is the reward to expect from showing a in state s and acting well afterwards.',
      ],
      setup: race([{ kind: 'ucb' }, { kind: 'qlearning' }]),
      action: 'Race UCB1 against Q-learning',
      look: 'Cumulative reward: Q-learning, which sees the segment and the last click, pulls ahead of the bandit early and stays ahead.',
    },
    {
      title: 'The Bellman equation',
      text: [
        'The value of a state is the best action’s immediate reward plus the discounted value of where it leads. (Article 002 writes it as a product of reward and value; the correct form is a sum.) Q-learning turns it into an update from each step it sees: δ, the temporal-difference error, is how far the step’s outcome was from what Q expected.',
      ],
      tex: [
        String.raw`V^{*}(s) = \max_a \Big[ R(s,a) + \gamma \sum_{s'} p(s' \mid s, a)\, V^{*}(s') \Big]`,
        String.raw`Q(s,a) \leftarrow Q(s,a) + \alpha\, \delta`,
        String.raw`\delta = r + \gamma \max_{a'} Q(s', a') - Q(s, a)`,
      ],
      look: '“Inside the agents”: the Q-table as a heat map, states down, items across.',
    },
    {
      title: 'Why a table stops working',
      text: [
        'A table has one cell per state and item. Describe shoppers more finely, add items, and the table grows out of all proportion; most cells are never visited, and nothing learned in one state helps a similar one.',
        'A deep Q-network (DQN) replaces the table with a neural network that maps a state’s features to a Q-value per item, so similar states share what they learn.',
      ],
      tex: [String.raw`Q(s, a) \approx Q_\theta(s)_a`],
    },
    {
      title: 'What keeps DQN stable',
      text: [
        'Learning from each step as it comes makes consecutive updates look alike and chase their own tail. DQN stores steps in a replay buffer and learns from random batches of it, and computes its targets with a target network copied from the online one every few hundred updates. DemandLab’s DQN is a double DQN: the online network picks the next action and the target network values it.',
      ],
      tex: [
        String.raw`y = r + \gamma\, Q_{\bar\theta}\big(s', \arg\max_{a'} Q_\theta(s', a')\big)`,
        String.raw`L(\theta) = \operatorname{Huber}\big(y - Q_\theta(s, a)\big)`,
      ],
      setup: race([{ kind: 'qlearning' }, { kind: 'dqn' }]),
      action: 'Race Q-learning against DQN',
      look: 'The DQN loss chart under “Inside the agents”, and how the two CTR curves compare.',
    },
  ],
};

export const DESIGN_REWARD: Lesson = {
  id: 'designing-a-reward',
  title: 'Designing a reward',
  topic: 'rl',
  summary: 'An agent maximises exactly what you reward. Write rewards and watch behaviour change.',
  steps: [
    {
      title: 'The reward is the goal',
      text: [
        'The agents do not know what the shop wants. They maximise the number the reward expression gives each step, and nothing else. Start with clicks: the click-through rate is what they will chase.',
      ],
      setup: race([{ kind: 'ucb' }, { kind: 'qlearning' }], { reward: 'clicked' }),
      action: 'Race on clicks',
      look: 'The reward editor: the expression, and its preview on simulated sessions.',
    },
    {
      title: 'Clicks are not sales',
      text: [
        'A click costs the shopper nothing; cheap, eye-catching items get clicked and not bought. Reward the revenue instead: the price of what was bought (in units of the shop’s median price). Compare conversion with the race on clicks.',
        'Expect a surprise. A sale is far rarer than a click (here about one decision in fifteen, against one in four), so the agents are paid far less often and learn more slowly. Over the same number of decisions they click and convert less than in the race on clicks. The right goal can be the harder signal to learn from.',
      ],
      tex: [String.raw`r_t = \text{purchased}_t \times \text{price}_t`],
      setup: race([{ kind: 'ucb' }, { kind: 'qlearning' }], { reward: 'purchased * price' }),
      action: 'Race on revenue',
      look: 'Cumulative reward now counts revenue. After 12,000 decisions, CTR and conversion are both lower than in the race on clicks, for both agents; Q-learning still leads.',
    },
    {
      title: 'Costs count too',
      text: [
        'A shopper who leaves without buying is a loss the shop feels later. Subtract a penalty for leaving, and reward margin rather than price, so that a sale of a thin-margin item counts for less.',
      ],
      tex: [String.raw`r_t = \text{purchased}_t \times \text{margin}_t - 0.1 \times \text{left}_t`],
      setup: race([{ kind: 'ucb' }, { kind: 'qlearning' }], {
        reward: 'purchased * margin - 0.1 * left',
      }),
      action: 'Race on margin minus churn',
    },
    {
      title: 'What you reward is what you get',
      text: [
        `Reward the wrong thing and the agent will find it. Paying for time spent (dwell) looks like paying for interest; whether it is depends on how the shop spends time. Here a shopper spends ${D.browse} s on a slate, ${D.product} s more on a product page after a click, ${D.cart} s adding to the cart and ${D.checkout} s at checkout, so dwell pays most for clicks and sales, and the agents chase those. In a shop where shoppers linger without buying, the same reward would pay for lingering. Goodhart’s law: a measure that becomes a target stops being a good measure, as soon as its link to the goal breaks.`,
        'Race this one and compare it with the races on clicks and on revenue. Then write your own in the editor: it checks your expression as you type and previews its reward before any training.',
      ],
      tex: [String.raw`r_t = \text{dwell}_t / 60`],
      setup: race([{ kind: 'ucb' }, { kind: 'qlearning' }], { reward: 'dwell / 60' }),
      action: 'Race on time spent',
      look: 'CTR about as in the race on clicks (within a fifth of it, seed to seed), and conversion above the revenue race’s. The “What a reward can use” list under the editor names every variable.',
    },
  ],
};

/** Every lesson, in the order the list shows them. */
