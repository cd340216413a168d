/**
 * The guided lessons: short sequences of steps over a live lab. Each step has
 * text, formulas (TeX, rendered by KaTeX) and, where it needs the lab in a
 * given state, a setup: the settings to load and whether to start. Plain data,
 * checked in node (tests/unit/lessons/lessons.test.ts): every setup is a valid lab
 * config and every formula renders. Only types are imported: the page loads
 * the labs' settings code (setup.ts) when a step is set up.
 */
import type { GanConfig, GanModelKind } from '../gan/config';
import type { AgentName } from '../rl/agents/names';
import type { LabAgent, RecsysConfig } from '../rl/lab/config';
import type { ShopName } from '../rl/sim/presets';

export interface GanLessonSetup {
  lab: 'gan';
  model: GanModelKind;
  /** Settings over the model's preset. */
  config?: Partial<Omit<GanConfig, 'model'>>;
  /** Start training once loaded. */
  start: boolean;
}

export interface RecsysLessonSetup {
  lab: 'recsys';
  shop?: ShopName;
  /** The agents that race, each from its defaults with `tune` over them. */
  agents: readonly { kind: AgentName; tune?: Partial<Omit<LabAgent, 'kind'>> }[];
  /** Settings over the shop's defaults. */
  config?: Partial<Omit<RecsysConfig, 'shop' | 'agents' | 'synthetic'>>;
  /** Start the race once loaded. */
  start: boolean;
}

export type LessonSetup = GanLessonSetup | RecsysLessonSetup;

export interface LessonStep {
  title: string;
  /** Paragraphs. */
  text: readonly string[];
  /** Display formulas, in TeX, shown after the text. */
  tex?: readonly string[];
  /** What the learner should look at on the lab once the step is set up. */
  look?: string;
  setup?: LessonSetup;
  /** The setup button's label. */
  action?: string;
}

export interface Lesson {
  id: string;
  title: string;
  topic: 'gan' | 'rl';
  /** One line for the lesson list. */
  summary: string;
  steps: readonly LessonStep[];
}

const toy = (config: GanLessonSetup['config'], start = true): GanLessonSetup => ({
  lab: 'gan',
  model: 'toy',
  config,
  start,
});

const race = (
  agents: RecsysLessonSetup['agents'],
  config: RecsysLessonSetup['config'] = {},
): RecsysLessonSetup => ({ lab: 'recsys', shop: 'fashion', agents, config, start: true });

const WHAT_A_GAN_IS: Lesson = {
  id: 'what-a-gan-is',
  title: 'What a GAN is',
  topic: 'gan',
  summary: 'Two small networks play a game on points in the plane, and one learns to forge data.',
  steps: [
    {
      title: 'Two networks, one game',
      text: [
        'A generative adversarial network is two networks trained against each other. The generator G turns random noise z ~ N(0, I) into a sample. The discriminator D looks at a sample and says how likely it is to be real.',
        'D is trained to tell real data from G’s forgeries; G is trained to fool D. Neither sees the formula of the data: G learns it only through D’s verdicts.',
      ],
      tex: [
        String.raw`\min_G \max_D\; V(D, G)`,
        String.raw`V = \mathbb{E}_{x}\big[\log D(x)\big] + \mathbb{E}_{z}\big[\log\big(1 - D(G(z))\big)\big]`,
      ],
      setup: toy({ toyDistribution: 'ring', loss: 'non-saturating' }),
      action: 'Train a toy GAN on a ring',
      look: 'The square picture: green points are real data, a ring of 8 blobs; purple points are G(z).',
    },
    {
      title: 'Read the picture',
      text: [
        'Real data and fakes live in the same plane, so you can watch both networks at once. The shading is D’s opinion of every point: green where it says “real”, purple where it says “fake”.',
        'The grey grid is the noise plane as G bends it. G starts by squashing all noise into a small patch; training stretches the grid out towards the green blobs.',
      ],
      look: 'Turn the layers on and off in the panel beside the picture.',
    },
    {
      title: 'What D learns',
      text: [
        'D minimises the binary cross-entropy of its verdicts: real points should score 1, fakes 0. For a fixed G, the best D has a closed form.',
        'So when G’s samples have exactly the data’s distribution, the best D answers ½ everywhere: it cannot tell them apart. That is the point the game aims for.',
      ],
      tex: [
        String.raw`L_D = -\,\mathbb{E}_x\big[\log D(x)\big] - \mathbb{E}_z\big[\log\big(1 - D(G(z))\big)\big]`,
        String.raw`D^*(x) = \frac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_G(x)}`,
      ],
      look: '“What D says”: the mean D(x) on real points and D(G(z)) on fakes move towards ½ as G improves.',
    },
    {
      title: 'What G learns',
      text: [
        'In the game as written, G would minimise log(1 − D(G(z))). Early on D rejects every fake, D(G(z)) ≈ 0, and that loss is flat: G gets almost no gradient.',
        'Almost every GAN, and the article’s, trains G to maximise log D(G(z)) instead. It has the same fixed point, but its gradient is largest exactly when G is doing worst.',
      ],
      tex: [
        String.raw`L_G^{\text{minimax}} = \mathbb{E}_z\big[\log\big(1 - D(G(z))\big)\big]`,
        String.raw`L_G^{\text{non-sat}} = -\,\mathbb{E}_z\big[\log D(G(z))\big]`,
      ],
      look: 'The objective cards under the charts: the one in use is marked. Switch the loss in the settings and see the card change.',
    },
    {
      title: 'Another shape',
      text: [
        'A ring has separate blobs; two moons are curved and touch. G must now bend its grid into two arcs, which takes longer and shows where it cuts corners.',
        'You can also draw your own data: choose “Points you draw” as the data and click points into the picture.',
      ],
      setup: toy({ toyDistribution: 'moons', loss: 'non-saturating' }),
      action: 'Train on two moons',
      look: 'Watch the purple points spread along both arcs, and the grid fold to follow them.',
    },
  ],
};

const ARTICLE_BUGS: Lesson = {
  id: 'article-mnist-gan',
  title: 'The article’s MNIST GAN and its four bugs',
  topic: 'gan',
  summary:
    'The source article’s Keras GAN does not run as written: four fixes, and why each matters.',
  steps: [
    {
      title: 'The model the article describes',
      text: [
        'The article builds a GAN for 28 × 28 MNIST digits from dense layers. G maps 100 noise values through 128, 256 and 1,024 relu units; D maps the 784 pixels through 1,024, 512 and 256 relu units to one sigmoid output. Batches of 128, Adam, binary cross-entropy.',
        'That is a sound plan. The code has four mistakes; the “Article example” tab trains the corrected model, and its code sits side by side with the article’s under the charts.',
      ],
      tex: [
        String.raw`G:\ \mathbb{R}^{100} \to 128 \to 256 \to 1024 \to 784`,
        String.raw`D:\ 784 \to 1024 \to 512 \to 256 \to 1`,
      ],
      setup: { lab: 'gan', model: 'article', start: false },
      action: 'Open the article example',
      look: 'Scroll to “The article’s code, and what had to change”.',
    },
    {
      title: 'Bug ①: 1,024 values are not an image',
      text: [
        'G ends at its 1,024-unit layer and then reshapes to 28 × 28 × 1. That reshape fails: an image has 784 pixels. G needs one more layer that outputs exactly 784 values.',
      ],
      tex: [String.raw`28 \times 28 = 784 \neq 1024`],
    },
    {
      title: 'Bug ②: the output range',
      text: [
        'The images are scaled to [−1, 1], but G’s last activation is relu, which is never negative: G could not draw the background (−1) at all. D would spot every fake by its grey background.',
        'The fix is a tanh output layer, whose range is exactly the data’s.',
      ],
      tex: [
        String.raw`\operatorname{relu}(a) = \max(0, a) \in [0, \infty)`,
        String.raw`\tanh(a) \in (-1, 1)`,
      ],
    },
    {
      title: 'Bug ③: what the combined model feeds D',
      text: [
        'To train G, the article builds a combined model D(G.input): it hands the noise straight to D, skipping G. D is also never compiled on its own, nor frozen while G trains, so a G step would change D too.',
        'Correctly, the combined model is D(G(z)) with D frozen, and D has its own optimiser. DemandLab keeps two optimisers that each update only their own network.',
      ],
      tex: [
        String.raw`\nabla_{\theta_G}\, L_G\big(D(G(z;\theta_G))\big) \quad\text{with } \theta_D \text{ held fixed}`,
      ],
    },
    {
      title: 'Bug ④: 100 “epochs”',
      text: [
        'The loop runs 100 iterations of one batch each and calls them epochs. 100 steps of 128 images is not even one pass over MNIST; a dense GAN needs thousands of steps before digits appear.',
        'Train the fixed model and watch the sample grid: blobs first, then strokes, then digits. The Inception Score (higher is better) and FID (lower is better), computed with an MNIST classifier as the article suggests, measure the progress.',
      ],
      setup: { lab: 'gan', model: 'article', start: true },
      action: 'Train the corrected model',
      look: 'The sample grid and the IS and FID curves; the first step is slow while the GPU programs compile.',
    },
  ],
};

const MODE_COLLAPSE: Lesson = {
  id: 'mode-collapse',
  title: 'Mode collapse and how to spot it',
  topic: 'gan',
  summary:
    'When G finds a few samples that fool D and makes only those: the signs, and what helps.',
  steps: [
    {
      title: 'What collapse is',
      text: [
        'G is rewarded for fooling D, not for variety. If a few kinds of sample fool D, G can make only those: it covers some modes of the data and ignores the rest. D then learns to reject them, G hops to other modes, and the chase can go on without ever covering them all.',
        'Here is a setting that invites it: a 5 × 5 grid of blobs, the saturating minimax loss, and a G that learns five times faster than D.',
      ],
      setup: toy({
        toyDistribution: 'grid',
        loss: 'minimax',
        learningRateG: 5e-3,
        learningRateD: 1e-3,
      }),
      action: 'Train a GAN that tends to collapse',
      look: 'Purple points bunched on a few green blobs, or jumping between them.',
    },
    {
      title: 'Sign 1: modes covered',
      text: [
        'On toy data we know the modes, so we can count them: a mode is covered when enough generated points land near it. Sample quality alone hides collapse: every purple point can sit on a real blob while most blobs stay empty.',
      ],
      tex: [
        String.raw`\text{covered} = \#\Big\{k : \tfrac{1}{n}\, \#\{i : \lVert x_i - \mu_k \rVert \le 4\sigma\} \ge 1\%\Big\}`,
      ],
      look: '“Modes covered” and “Samples near a mode” beside the picture: high quality with low coverage is collapse.',
    },
    {
      title: 'Sign 2: the losses',
      text: [
        'Losses do not converge in a GAN, but their pattern tells you something. When G collapses, D soon rejects the few samples G makes: D’s loss falls and G’s loss climbs or swings as G jumps from mode to mode.',
        'On images there is no count of modes. Look at the sample grid (the same digit over and over) and at the digit histogram of the classifier’s votes; FID rises when variety is lost, because it compares the whole spread of features.',
      ],
      look: 'The Losses chart. On the image tabs, the digit histogram under the samples.',
    },
    {
      title: 'What helps',
      text: [
        'The non-saturating loss keeps G’s gradient alive. Balanced learning rates stop G from outrunning D. One-sided label smoothing (real targets 0.9 instead of 1) keeps D from becoming overconfident, and two D steps per G step let D keep up.',
        'None of these is a guarantee; together they usually cover the grid. Compare the coverage with the run before.',
      ],
      tex: [String.raw`y_{\text{real}} = 1 - s \qquad s = 0.1`],
      setup: toy({
        toyDistribution: 'grid',
        loss: 'non-saturating',
        learningRateG: 1e-3,
        learningRateD: 1e-3,
        labelSmoothing: 0.1,
        dStepsPerG: 2,
      }),
      action: 'Train with the remedies',
      look: '“Modes covered” should climb towards 25 of 25.',
    },
  ],
};

const EXPLORE_EXPLOIT: Lesson = {
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
        'The simplest rule: with probability ε show a random item, otherwise the item with the best click rate so far. With a fixed ε = 0.1 it keeps exploring at the same rate for ever, so its regret keeps growing in a straight line.',
      ],
      tex: [
        String.raw`a_t = \begin{cases} \text{a random item} & \text{with probability } \varepsilon \\ \arg\max_a \hat\mu_a & \text{otherwise} \end{cases}`,
      ],
      look: 'The regret chart: ε-greedy’s line keeps its slope.',
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
      look: 'Regret that flattens: UCB1 and Thompson grow like log t, random and fixed ε like t.',
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

const Q_TO_DQN: Lesson = {
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
      look: 'Q-learning starts slower (it has more to learn), then often passes the bandit.',
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

const DESIGN_REWARD: Lesson = {
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
      ],
      tex: [String.raw`r_t = \text{purchased}_t \times \text{price}_t`],
      setup: race([{ kind: 'ucb' }, { kind: 'qlearning' }], { reward: 'purchased * price' }),
      action: 'Race on revenue',
      look: 'Conversion and cumulative reward: a different goal, a different winner.',
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
        'Reward the wrong thing and the agent will find it. Paying for time spent (dwell) looks like paying for interest, but an agent can earn it with slates that keep shoppers looking without buying. Goodhart’s law: a measure that becomes a target stops being a good measure.',
        'Race this one and compare its conversion with the revenue race. Then write your own in the editor: it checks your expression as you type and previews its reward before any training.',
      ],
      tex: [String.raw`r_t = \text{dwell}_t / 60`],
      setup: race([{ kind: 'ucb' }, { kind: 'qlearning' }], { reward: 'dwell / 60' }),
      action: 'Race on time spent',
      look: 'The “What a reward can use” list under the editor names every variable.',
    },
  ],
};

/** Every lesson, in the order the list shows them. */
export const LESSONS: readonly Lesson[] = [
  WHAT_A_GAN_IS,
  ARTICLE_BUGS,
  MODE_COLLAPSE,
  EXPLORE_EXPLOIT,
  Q_TO_DQN,
  DESIGN_REWARD,
];

export function lessonById(id: string): Lesson | null {
  return LESSONS.find((l) => l.id === id) ?? null;
}
