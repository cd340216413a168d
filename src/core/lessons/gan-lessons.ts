/** The GAN lessons: the toy GAN, the article's MNIST GAN and its bugs, mode collapse. */
import type { GanLessonSetup, Lesson } from './lesson';

const toy = (config: GanLessonSetup['config'], start = true): GanLessonSetup => ({
  lab: 'gan',
  model: 'toy',
  config,
  start,
});

export const WHAT_A_GAN_IS: Lesson = {
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

export const ARTICLE_BUGS: Lesson = {
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
        'Train the fixed model and watch the sample grid and the digit histogram under it. Blobs turn into strokes, but with the article’s settings (relu, Adam at 2e-4) this model collapses: most samples become one or two digits, often the 1. PyTorch, trained the same way on the same digits, collapses too: the code is faithful, the recipe is what fails.',
      ],
      setup: { lab: 'gan', model: 'article', start: true },
      action: 'Train the corrected model',
      look: 'The digit histogram: a few tall bars instead of ten even ones. The Inception Score stays low.',
    },
    {
      title: 'Two changes that make it work',
      text: [
        'The same sizes draw every digit with two changes. Leaky ReLU (a small slope below zero) instead of relu, in both networks: a relu unit that goes negative for every input stops learning, and D’s dead units give G nothing to follow. And Adam at 1e-3 instead of 2e-4, so the game moves on before G settles on the few digits that fool D. Leaky ReLU alone, at the article’s 2e-4, was not enough: in PyTorch it still drew only about seven kinds of digit.',
        'The “Made to work” variant of the article tab is that model, its diff shown under the code. It draws all ten digits within 1,250 to 1,750 steps, about three minutes on a laptop CPU; the line under the quality figures turns green when the classifier reads every digit with confidence.',
      ],
      tex: [String.raw`\operatorname{leaky}(a) = \max(0.2\,a,\; a)`],
      setup: { lab: 'gan', model: 'article-tuned', start: true },
      action: 'Train the article’s model, made to work',
      look: 'The digit histogram evens out; the digits line under the quality figures.',
    },
    {
      title: 'Faster still: tell G which digit',
      text: [
        'Give both networks the digit label (a conditional GAN) and G is asked for every digit in turn, so it cannot settle on one. With smaller dense layers (256 and 512 units) this is the “Quick digits” view: all ten digits in about a minute on a laptop CPU.',
      ],
      setup: { lab: 'gan', model: 'conditional-mlp', start: true },
      action: 'Train the quick-digits GAN',
      look: 'Each row of the grid is one digit, 0 to 9.',
    },
  ],
};

export const MODE_COLLAPSE: Lesson = {
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
        'None of these is a guarantee. Here, together, they lift the coverage from a handful of blobs to about half the grid by step 2,000, and hold it there: more steps alone do not cover the rest (8,000 steps still cover about 12). Better, not solved. Compare the coverage with the run before.',
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
      look: '“Modes covered” climbs to about 12-15 of 25, where the collapsing run kept to a handful.',
    },
  ],
};
