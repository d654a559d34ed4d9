// The lessons that make-templates.ts writes into the teaching templates' `lesson` field. Each
// names the settings it was written for (checked by protocol/lesson.ts's schema); the numbers in
// the text were measured with those settings (seed 1).
import type { Lesson } from '../protocol/lesson.ts';
import type { TrainingConfig, TrainingDataset } from '../protocol/training.ts';

const mnist = (
  limit: number,
  more: Partial<Extract<TrainingDataset, { kind: 'mnist' }>> = {},
): TrainingDataset => ({
  kind: 'mnist',
  limit,
  testLimit: 1000,
  seed: 1,
  ...more,
});
const adam = (lr: number, epochs: number, more: Partial<TrainingConfig> = {}): Partial<TrainingConfig> => ({
  epochs,
  batchSize: 32,
  loss: 'cross-entropy',
  optimizer: { kind: 'adam' },
  lr,
  seed: 1,
  ...more,
});

const sgdConfig = (lr: number, epochs: number): Partial<TrainingConfig> => ({
  epochs,
  batchSize: 32,
  optimizer: { kind: 'sgd' },
  lr,
  seed: 1,
});
const initConfig = (init: TrainingConfig['init']): Partial<TrainingConfig> => ({
  epochs: 3,
  batchSize: 32,
  loss: 'cross-entropy',
  optimizer: { kind: 'momentum', momentum: 0.9 },
  lr: 0.05,
  init,
  seed: 1,
});

/**
 * The transfer lesson's measurements (test accuracy on the 4,861 test digits 5–9, by seed 1, 2, 3,
 * after epochs 3, 5 and 15 of the lesson's settings): `netwright train` on the two templates, the
 * pretrained one with --classes 5 --freeze-up-to flatten_1. test/unit/transfer-lesson.test.ts
 * measures them again and holds the text to them.
 */
export const TRANSFER_MEASURED = {
  seeds: [1, 2, 3],
  fineTuned: { 3: [85.3, 82.7, 85.7], 5: [89.8, 90.7, 89.5], 15: [90.5, 94.1, 91.9] },
  scratch: { 3: [41.5, 43.6, 44.7], 5: [72.5, 83.7, 72.0], 15: [86.4, 92.0, 90.4] },
} as const;
const percents = (values: readonly number[]) => values.map((v) => `${v.toFixed(1)}%`);
const span = (values: readonly number[], unit = '%') =>
  `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}${unit}`;
const [ft5, sc5] = [TRANSFER_MEASURED.fineTuned[5], TRANSFER_MEASURED.scratch[5]];
const gaps5 = ft5.map((v, i) => v - sc5[i]);
const gaps15 = TRANSFER_MEASURED.fineTuned[15].map((v, i) => v - TRANSFER_MEASURED.scratch[15][i]);
const listed = (values: readonly number[]) => {
  const p = percents(values);
  return `${p.slice(0, -1).join(', ')} and ${p.at(-1)}`;
};

/** The transfer lesson's runs: 100 digits 5–9 (relabelled 0–4), tested on all 4,861 test digits 5–9. */
const transferTraining = {
  dataset: mnist(100, { keepClasses: [5, 6, 7, 8, 9], testLimit: 10_000 }),
  config: {
    epochs: 5,
    batchSize: 20,
    loss: 'cross-entropy',
    optimizer: { kind: 'adam' },
    lr: 0.005,
    seed: 1,
  },
} satisfies Lesson['training'];

const lenetTraining = { dataset: mnist(5000), config: adam(0.002, 2) };

/**
 * The truncated-BPTT lesson's measurements, each `netwright train` on the template with
 * `--data synthetic:chars:4000 --epochs 3 --batch-size 32 --optimizer adam --lr 0.005 --threads 1`
 * and `--tbptt <τ>` (the state carried) or `--streams` (the same windows, each from a zero state):
 * FLOPs per update as the CLI prints them, time per update the fastest epoch's mean (seed 1, a
 * shared 2-core machine), test accuracy and loss after 3 epochs, by seed 1, 2, 3.
 */
export const TBPTT_MEASURED = {
  10: { mflops: 42.4, ms: 1.1, accuracy: [80.5, 80.4, 80.0], loss: [0.519, 0.529, 0.517] },
  50: { mflops: 212.0, ms: 4.8, accuracy: [75.8, 73.9, 74.9], loss: [1.039, 1.142, 1.112] },
  200: { mflops: 847.9, ms: 24.0, accuracy: [54.1, 53.3, 52.5], loss: [2.356, 2.368, 2.3] },
} as const;
const tbpttRow = (label: string, m: (typeof TBPTT_MEASURED)[keyof typeof TBPTT_MEASURED]) =>
  `- ${label}: ${m.mflops} MFLOPs and about ${m.ms} ms per update; test accuracy ${span(m.accuracy)}, test loss ${span(m.loss, '')}.`;
const TBPTT_TABLE = [
  tbpttRow('τ = 10', TBPTT_MEASURED[10]),
  tbpttRow('τ = 50', TBPTT_MEASURED[50]),
  tbpttRow('Full BPTT over 200 steps', TBPTT_MEASURED[200]),
].join('\n');

/** Generated sentences, 4,000 windows in 32 streams (one per batch row), 3 epochs of Adam. */
const tbpttTraining = (tbptt?: number) =>
  ({
    dataset: { kind: 'synthetic', generator: 'chars', n: 4000, streams: 32 },
    config: adam(0.005, 3, tbptt ? { tbptt } : {}),
  }) satisfies Lesson['training'];

const TBPTT_QUESTIONS = `Questions for the course:

- Why does an update with truncation cost O(τ), however long the streams are, while full BPTT’s cost grows with the length of the sequence it backpropagates through? (Look at the cost per update in the Training panel: it grows in proportion to the window.)
- What does truncation give up? No gradient crosses a window’s start, so a dependency longer than τ steps (a word that decides a character 30 steps later) can only be learned by luck, through what the carried state happens to keep. Here the next character depends mostly on the word being written, shorter than 10 characters, so τ = 10 gives up little.`;

export const LESSONS = {
  lenet: {
    title: 'LeNet-5 on MNIST',
    text: `LeNet-5 (LeCun et al., 1998) reads a 28×28 handwritten digit with two convolution + pooling stages and three fully connected layers: 61,706 parameters and 416,520 multiply-adds per digit.

- Follow the shapes down the canvas: 1×28×28 → 6×28×28 (5×5 kernels, padding 2) → 6×14×14 after pooling → 16×10×10 → 16×5×5 → 400 → 120 → 84 → 10 scores, one per digit.
- Most of the parameters sit in the first Linear layer (48,120 of 61,706); most of the multiply-adds in the two convolutions. Open the **Summary** to see both.

**Train with these settings**, then press **Train** in the drawer: 5,000 digits, 2 epochs of Adam, about ten seconds. Before the first step the network guesses (about 10% right); the test accuracy is about 90% after the first epoch and about 94% after the second.

- Below the charts, the confusion matrix shows which digits it mixes up (click a cell to see them), and **The surest mistakes** the wrong answers it was most confident of.
- Then draw a digit under **Try it**, or drop a picture on it. The pad scales and centres your drawing the way the MNIST digits were prepared, and shows the 28×28 picture the network actually gets.`,
    training: lenetTraining,
  },
  lenetC3: {
    title: 'LeNet-5’s C3 connection table',
    text: `In 1998, LeNet-5’s third layer (C3) did not connect each of its 16 feature maps to all 6 maps of the layer before. A table picked 60 of the 96 (output, input) pairs: maps 0–5 each see 3 neighbouring inputs, maps 6–14 see 4, and map 15 sees all 6.

The paper gives two reasons: fewer connections (here 1,516 parameters instead of 2,416), and breaking the symmetry, so that different maps are pushed to learn different features.

- Select the second convolution and read its \`connection_table\` in the inspector: one row per output map, a 1 where it reads an input map.
- Compare the parameter count with the plain LeNet-5 (button below).
- Train both with the same settings: the accuracy comes out about the same (93–94% here), so today a full connection is the simpler choice.`,
    training: lenetTraining,
    compare: { template: 'lenet5', label: 'Open the plain LeNet-5' },
  },
  vanishingSigmoid: {
    title: 'Vanishing gradients',
    text: `Eight Linear + Sigmoid layers of 64 units sit between the 784 pixels and the 10 scores. On the way back, backpropagation multiplies the error signal by every layer’s weights and by the sigmoid’s slope, which is at most 0.25. So the gradient shrinks by about the same factor at every layer, and the first layers barely hear from the loss.

**Train with these settings** and watch the badges on the canvas after each epoch: **∇** is the layer’s mean gradient norm, **ΔW/W** how far the epoch moved its weights (Adam moves every weight by about the learning rate, so this one stays similar down the network). After the first epoch the last layer’s gradient is about 0.7 and the first layer’s about 5e-7, a factor of a million; the first layers’ ∇ badges are the darkest. (By the third epoch the first layer’s has grown to about 0.1, while the middle layers’ are still near 3e-3.) The **Gradient norms** chart (by layer) shows the same on a log scale: a straight line falling towards the input.

- The test accuracy stays low (about 20% after three epochs): the layers that see the pixels are hardly learning.
- Adam divides every step by the gradient’s own running size, so by the third epoch it starts to pull the first layers along. Switch to plain **SGD** (learning rate 0.1): the network stays stuck.

Now open the ReLU version (same depth and width) and train it the same way.`,
    training: { dataset: mnist(5000), config: adam(0.001, 3) },
    compare: { template: 'deep-relu-mlp', label: 'Open the ReLU version' },
  },
  vanishingRelu: {
    title: 'Vanishing gradients: the ReLU network',
    text: `The same eight hidden layers of 64 as the sigmoid network, with ReLU instead. ReLU’s slope is exactly 1 wherever a unit is active, so the error signal is not squashed by the activation on its way back.

**Train with these settings** and compare the badges with the sigmoid network’s: after the first epoch the first layer’s gradient (about 0.9) is as large as the last one’s (about 1.8), where the sigmoid network’s differed by a factor of a million. The test accuracy passes 80% in three epochs, against about 20% for the sigmoid network.

- With plain **SGD** (learning rate 0.1) even this network stalls at this depth: PyTorch’s default initialisation keeps the weights small, so the signal itself fades layer by layer. Its first-layer gradient is then about 1e-3, still thousands of times the sigmoid network’s. Kaiming initialisation and batch normalization are the usual fixes.`,
    training: { dataset: mnist(5000), config: adam(0.001, 3) },
    compare: { template: 'deep-sigmoid-mlp', label: 'Open the sigmoid version' },
  },
  receptiveFields: {
    title: 'Receptive fields of a conv/pool stack',
    text: `Every node can show its receptive field as \`RF size /stride @start\`: how many input pixels one output position sees, how far that window moves when the output moves by one, and where the first window starts (negative: it begins in the padding).

In this lesson the fields and the parameter counts are hidden (**?**). Work them out down the stack, one layer at a time, before you look:

- Start with the first 3×3 convolution (padding 1): how many input pixels does one of its outputs see, and where does the first window start?
- Each later layer widens the field by (k − 1) taps, each tap as wide as the stride of the field so far.
- A 2×2 max pooling both widens the field and doubles its stride, so every layer after it grows the field twice as fast.

The rule (Araujo et al., Distill 2019): r_out = r_in + (k − 1) × S_in and S_out = S_in × stride, with a dilated kernel counting as d(k − 1) + 1.

Select a layer, type **Your guess** in the inspector and press **Reveal**: the answer comes with the working, and **Show receptive field** then draws which input pixels one output position sees.

Predict, then check: set the first convolution’s **dilation** to 2, or its **stride** to 2, and work out the last layer’s field before you reveal it.`,
    hide: ['params', 'rf'],
  },
  inceptionNaive: {
    title: 'Inception: naive vs 1×1 bottlenecks',
    text: `GoogLeNet’s inception (3a) module (Szegedy et al., 2015) runs a 192×28×28 feature map through four parallel branches and concatenates what they produce. In this naive version the 3×3 and 5×5 convolutions read all 192 input channels:

- 3×3 branch: 128 × 192 × 9 weights, 221,312 parameters and 173 M multiply-adds per image.
- 5×5 branch: 32 × 192 × 25 weights, 153,632 parameters and 120 M multiply-adds.
- The pooling branch passes all 192 channels through, so the module puts out 64 + 128 + 32 + 192 = 416 channels, and the next module costs even more.

Total: 387,296 parameters and 303 M multiply-adds. Open the **Summary**, then the bottleneck version: 1×1 convolutions first reduce the 192 channels to 96 (before the 3×3) and 16 (before the 5×5), and project the pooled branch to 32. That gives 163,696 parameters and 128 M multiply-adds, 42% of the cost, for a 256-channel output.`,
    compare: { template: 'inception-bottleneck', label: 'Open the bottleneck version' },
  },
  inceptionBottleneck: {
    title: 'Inception with 1×1 bottlenecks',
    text: `This is inception (3a) as GoogLeNet built it: a 1×1 convolution reduces 192 channels to 96 before the 3×3 and to 16 before the 5×5, and the pooled branch is projected to 32 channels.

- The 5×5 branch now costs 192 × 16 (the 1×1) + 16 × 32 × 25 (the 5×5) weights instead of 192 × 32 × 25: about a tenth.
- The whole module: 163,696 parameters and 128 M multiply-adds against the naive version’s 387,296 and 303 M, and 256 output channels instead of 416.

A 1×1 convolution is a Linear layer applied at every pixel: it mixes channels without looking at neighbours, which is why it is such a cheap way to change the channel count.`,
    compare: { template: 'inception-naive', label: 'Open the naive version' },
  },
  spiral: {
    title: 'Decision boundary on a spiral',
    text: `Three interleaved spiral arms, one per class: no straight line separates them, so a network has to bend its boundary. This one maps the 2 coordinates through two hidden ReLU layers of 32 to 3 class scores (1,251 parameters).

**Train with these settings**: 600 points, 30 epochs of Adam, a few seconds. The **Decision boundary** picture below the charts colours every spot of the plane by the class the network predicts there, with the training points on top, and is redrawn after every epoch.

- After the first epochs the plane is cut into a few straight-edged wedges: each ReLU unit adds one fold line, and the network starts with them pointing nowhere useful.
- The wedges then bend and curl to follow the arms, and the training accuracy climbs above 90%.
- Try a single hidden layer, or ReLU units of 4 instead of 32, and see how few folds the boundary gets.`,
    training: {
      dataset: { kind: 'synthetic', generator: 'spiral', n: 600, noise: 0.2, classes: 3, seed: 1 },
      config: adam(0.01, 30),
    },
  },
  randomLabels: {
    title: 'Memorizing random labels',
    text: `Zhang et al. (2017, “Understanding deep learning requires rethinking generalization”) trained networks on images whose labels had been replaced by random ones, and the networks still reached 100% training accuracy: with enough parameters, a network can simply memorize.

This lesson trains the 784-512-512-10 MLP (669,706 parameters) on 1,000 MNIST digits with **Random labels** on: look at the preview, where the numbers under the digits are wrong.

- Over 25 epochs (about half a minute) the training accuracy climbs towards 100% while the test accuracy stays at chance, around 10%: nothing it learned carries over to new digits.
- The training loss falls slowly at first: memorizing 1,000 arbitrary answers takes far longer than learning the real rule.
- Untick **Random labels** and train again: both accuracies rise together, within a couple of epochs.`,
    training: { dataset: mnist(1000, { randomLabels: true }), config: adam(0.001, 25) },
  },
  backpropByHand: {
    title: 'Backprop by hand',
    text: `Two inputs, three sigmoid units, two sigmoid outputs: 17 parameters, few enough to follow every number of one training step. The data is the XOR set (class 1 where x·y < 0), the loss the mean squared error against the one-hot target.

Press **Train** in the toolbar, choose **Step through** at the top of the drawer and press **Run one batch**. ▶ (or the right arrow key) walks forward node by node (each node’s output for the batch), shows the loss, then walks back: for every node its **dLoss/d output** and, for the Linear layers, the gradients of their weight and bias. Write x for the input batch (N rows), z for a Linear layer’s output and a = σ(z) for the sigmoid after it.

- **Loss**: L = Σ (a₂ − y)² / (N·2), the mean over all N × 2 outputs, as PyTorch’s MSELoss. So dA₂ = dL/da₂ = 2(a₂ − y) / (2N) = (a₂ − y) / N: the batch average is taken here, once.
- **Output sigmoid**: dz₂ = dA₂ ⊙ σ′(z₂) = dA₂ ⊙ a₂(1 − a₂). The slope a(1 − a) is at most 0.25, and tiny when a is near 0 or 1.
- **Second Linear**: dW₂ = dz₂ᵀ · a₁ (2×3, summed over the batch), db₂ = Σ dz₂ (the column sums), and dA₁ = dz₂ · W₂ flows back to the hidden layer.
- **Hidden sigmoid**: dz₁ = dA₁ ⊙ a₁(1 − a₁).
- **First Linear**: dW₁ = dz₁ᵀ · x, db₁ = Σ dz₁.

Check one by hand: step back to the output Sigmoid, read a₂ and y for the first sample, work out dz₂ for it, and compare with the numbers shown for the last Linear. Then press **Check gradient**: finite differences of the loss agree with every dW and db to a relative error far below 1%.

**Train with these settings** (SGD, learning rate 2, batch 8), choose **One run** and press **Train**: for the first 20 to 30 epochs the loss stays near 0.25, every output close to 0.5: the sigmoids start in their flat middle and the four XOR quadrants pull the weights in opposite directions. Then it breaks loose; after 100 epochs (a few seconds) the loss is about 0.1 and about 90% of the test points are on the right side.`,
    training: {
      dataset: { kind: 'synthetic', generator: 'xor', n: 200, seed: 1 },
      config: { epochs: 100, batchSize: 8, loss: 'mse', optimizer: { kind: 'sgd' }, lr: 2, seed: 1 },
    },
  },
  momentumForms: {
    title: 'The two momentum forms',
    text: `Momentum keeps a velocity v, a running sum of past gradients g, and is written two ways:

- **PyTorch** (torch.optim.SGD): v ← βv + g, then θ ← θ − lr·v.
- **Classic** (Polyak’s heavy ball; Sutskever et al. 2013): v ← βv − lr·g, then θ ← θ + v. The same as θ ← θ − lr·g + β(θ − θ_previous); Netwright’s **Heavy ball** optimizer takes this form.
- **Nesterov** (PyTorch’s nesterov=True) takes the gradient step from where the velocity is about to carry it: θ ← θ − lr·(g + βv).

With a **constant** learning rate the first two are the same method: multiply PyTorch’s velocity by lr and you get the classic one, step for step. Measured here (2,000 digits, 4 epochs, lr 0.05, β = 0.9): both end at training loss 0.297 and 87.4% test accuracy; Nesterov reaches 88.0%, plain SGD 80.8%.

Under a **schedule** they differ. When the rate drops from lr to lr′, PyTorch’s next step is lr′·(βv + g): the whole remembered velocity shrinks at once. The classic velocity was built with the old rate and keeps carrying the weights at that speed, fading by β per step, about 1/(1 − β) = 10 steps for β = 0.9.

**Train with these settings** opens the **Optimizer race** with the four optimizers (same initial weights, same batches) and the rate divided by 10 after every epoch; press **Start race**. After 4 epochs: Heavy ball 83.9% (training loss 0.436), Nesterov 83.5%, Momentum 82.7% (0.498), SGD 61.4%. The classic form comes out ahead here because after each drop its velocity keeps the old, larger speed for a few more steps, while PyTorch’s form slows down at once: two slightly different schedules in disguise.

Set the **Schedule** to Constant and race again: the Momentum and Heavy ball curves lie on top of each other.`,
    training: {
      dataset: mnist(2000),
      config: {
        epochs: 4,
        batchSize: 64,
        loss: 'cross-entropy',
        optimizer: { kind: 'momentum', momentum: 0.9 },
        lr: 0.05,
        schedule: { kind: 'step', stepSize: 1, gamma: 0.1 },
        seed: 1,
      },
    },
    race: [
      { label: 'Momentum', optimizer: { kind: 'momentum', momentum: 0.9 }, lr: 0.05 },
      { label: 'Heavy ball', optimizer: { kind: 'heavy-ball', momentum: 0.9 }, lr: 0.05 },
      { label: 'Nesterov', optimizer: { kind: 'nesterov', momentum: 0.9 }, lr: 0.05 },
      { label: 'SGD', optimizer: { kind: 'sgd' }, lr: 0.05 },
    ],
  },
  poolCommuteRelu: {
    title: 'Max pooling commutes with ReLU',
    text: `One convolution feeds two branches: MaxPool → ReLU on the left, ReLU → MaxPool on the right. The **Subtract** node at the bottom takes their difference, and it is all zeros, for every input and every weight.

Why: ReLU never reverses an order. If a ≤ b then ReLU(a) ≤ ReLU(b), so the largest value of a 2×2 window stays the largest after ReLU: max(f(a), f(b), …) = f(max(a, b, …)) for any non-decreasing f. The same holds for Sigmoid, Tanh and LeakyReLU.

- Select the Subtract node and press **Feature maps** in the inspector: four 14×14 maps, every value 0.
- The order still matters for the cost: pooling first applies ReLU to 4×14×14 = 784 numbers, ReLU first to 4×28×28 = 3,136, four times as many, for the same result.
- It fails for a non-monotone activation: GELU dips below zero around x = −0.75 and rises again, so the window’s largest input need not give its largest output. Open the GELU version.
- It fails for average pooling too: ReLU of an average is not the average of the ReLUs (ReLU(−1) and ReLU(3) average to 1.5, their average 1 gives 1). Delete both MaxPool2d nodes, drag an AvgPool2d from the palette into each place (its default window is 2×2), wire them in and look at the difference again.`,
    compare: { template: 'maxpool-gelu', label: 'Open the GELU version' },
  },
  poolCommuteGelu: {
    title: 'Max pooling does not commute with GELU',
    text: `The same two branches with GELU instead of ReLU. GELU(x) = x·Φ(x) is not monotone: it falls from 0 to about −0.17 at x ≈ −0.75 and rises back towards 0 for more negative x. In a window holding −3 and −0.75, the max is −0.75, whose GELU (−0.17) is the smallest of the two, not the largest (−0.004).

- Select the Subtract node and press **Feature maps**: the differences are small (a few hundredths on the first digit) but no longer all zero. They show up where a window’s values are all negative; where one value is positive, GELU keeps the order there and the branches agree.
- So a network with GELU must apply it before the pooling, as written in its definition.`,
    compare: { template: 'maxpool-relu-commute', label: 'Open the ReLU version' },
  },
  crossEntropy: {
    title: 'Cross-entropy against squared error',
    text: `The same 784-100-10 network (a sigmoid hidden layer) twice: here the 10 raw scores z go into softmax and cross-entropy; the other version squashes each score with a sigmoid and uses the mean squared error against the one-hot target.

The gradient that starts the backward pass:

- **Cross-entropy on scores**: dL/dz = (p − y) / N, with p the softmax probabilities. A confidently wrong score (p near 1 for a wrong class) gets the largest push.
- **Squared error through a sigmoid**: dL/dz = 2(a − y) · a(1 − a) / (N·10). When a saturates near 0 or 1, the factor a(1 − a) kills the gradient, even when the answer is completely wrong; and the mean over 10 outputs divides it by 10 again.

**Train with these settings** (5,000 digits, 5 epochs of plain SGD, learning rate 0.1): test accuracy 62% after the first epoch and 86% after the fifth. Then open the squared-error version and train it the same way: 14% after one epoch and still 19% after five.`,
    training: { dataset: mnist(5000), config: { ...sgdConfig(0.1, 5), loss: 'cross-entropy' } },
    compare: { template: 'mlp-sigmoid-mse', label: 'Open the squared-error version' },
  },
  mse: {
    title: 'Squared error on sigmoid outputs',
    text: `The cross-entropy network with a sigmoid on each of its 10 outputs, trained with the mean squared error against the one-hot target: 1 for the right digit, 0 for the nine others.

dL/dz = 2(a − y) · a(1 − a) / (N·10): the sigmoid’s slope a(1 − a) is at most 0.25 and vanishes when an output saturates, so a confidently wrong output hardly learns.

**Train with these settings** (the same 5,000 digits, 5 epochs of SGD at 0.1): test accuracy 14% after one epoch and 19% after five, against 86% for cross-entropy. The training loss is 0.112 in the first epoch and 0.089 in the fifth: the network mostly learns to keep all ten outputs low, which already gets 9 of the 10 targets right.

- Try a larger learning rate (1.0), or **Adam**, which rescales the small gradients: squared error does learn, just far more slowly.`,
    training: { dataset: mnist(5000), config: { ...sgdConfig(0.1, 5), loss: 'mse' } },
    compare: { template: 'mlp-cross-entropy', label: 'Open the cross-entropy version' },
  },
  initZeros: {
    title: 'Initialisation: all zeros',
    text: `Every weight and bias of this 784-128-128-10 ReLU network starts at 0 (**Initial weights: All zeros** in the Training panel).

Then every hidden unit computes the same number (0) for every digit, every unit of a layer gets the same gradient, and after any number of steps they are still identical: the symmetry never breaks. With ReLU it is worse: ReLU’s output and slope at 0 are both 0, so no gradient reaches the hidden weights at all. Only the last layer’s bias learns: how often each digit occurs.

**Train with these settings** (5,000 digits, 3 epochs of SGD with momentum): the test accuracy stays at chance, 8.5%, 12.6% and 9.9% after the three epochs, and the loss stays at 2.30 = ln 10, the loss of a uniform guess.

- Choose **One constant** (0.01) instead: every unit of a layer still computes the same thing; here the run ends at the same 9.9%.
- Open the Kaiming version: the same network and settings with He initialisation reaches 91%.`,
    training: { dataset: mnist(5000), config: initConfig({ kind: 'zeros' }) },
    compare: { template: 'init-kaiming', label: 'Open the Kaiming version' },
  },
  initKaiming: {
    title: 'Initialisation: Kaiming (He)',
    text: `The same 784-128-128-10 ReLU network, with weights drawn from N(0, 2/fan_in) and biases 0 (He et al., 2015; **Initial weights: Kaiming (He)** in the Training panel).

Random weights make every unit different from the start. The variance 2/fan_in keeps the signal’s size steady through the layers: a ReLU zeroes about half of its inputs, and the factor 2 makes up for it.

**Train with these settings**: test accuracy 86.8%, 89.6% and 90.8% after the three epochs, against chance (about 10%) for the all-zeros start. PyTorch’s default (uniform in ±1/√fan_in) gives 85.1%, 88.9% and 88.5% here.`,
    training: { dataset: mnist(5000), config: initConfig({ kind: 'kaiming' }) },
    compare: { template: 'init-zeros', label: 'Open the all-zeros version' },
  },
  overfitPlain: {
    title: 'Overfitting: 500 digits',
    text: `The 784-512-512-10 MLP has 669,706 parameters; here it sees only 500 digits, 50 times over. It learns them by heart.

**Train with these settings** (Adam, about 20 seconds): after 50 epochs the training accuracy is 100% and the training loss 0.0003, but the test accuracy is 86.4% (test loss 0.64): a gap of 13.6 points. Watch the test loss on the chart: it bottoms out after a few epochs and then creeps up while the training loss keeps falling.

Three remedies, each a template of its own (same data, same 50 epochs):

- **Dropout** (p = 0.5 after each hidden layer): training about 99% (measured with dropout on), test about 86%, test loss about 0.66.
- **Weight decay** (λ = 0.001): training 100%, test about 86%, test loss about 0.54.
- **Batch normalization** after each hidden Linear: training 100%, test 87.4%, test loss 0.47.

None of them closes the gap on 500 digits. What does: ten times the data for the same number of steps (5,000 digits, 5 epochs) gives about 94% on the same test digits, with training at 98%.`,
    training: { dataset: mnist(500), config: adam(0.001, 50) },
    compare: { template: 'overfit-dropout', label: 'Open the Dropout version' },
  },
  overfitDropout: {
    title: 'Overfitting: Dropout',
    text: `The overfitting MLP with a Dropout layer (p = 0.5) after each hidden ReLU. While training, each step zeroes a random half of the hidden units and doubles the rest, so no unit can rely on a particular partner; at test time Dropout does nothing.

**Train with these settings** (500 digits, 50 epochs of Adam): training accuracy about 99% (measured with dropout on), test about 86% and test loss about 0.66, against 100%, 86.4% and 0.64 without it (dropout is random, so runs differ by a point or so). On this tiny set and this budget dropout does not help; it slows the memorising (the training loss ends near 0.02 instead of 0.0003) without improving the test digits.

- Try 200 epochs, or p = 0.2.`,
    training: { dataset: mnist(500), config: adam(0.001, 50) },
    compare: { template: 'overfit-weight-decay', label: 'Open the weight-decay version' },
  },
  overfitWeightDecay: {
    title: 'Overfitting: weight decay',
    text: `The plain overfitting MLP trained with **Weight decay** λ = 0.001 (in the Training panel): every step adds λ·w to each weight’s gradient, the gradient of the L2 penalty λ/2·‖w‖², which pulls the weights towards zero and so towards smoother functions.

**Train with these settings** (500 digits, 50 epochs of Adam): training 100%, test about 86%, test loss about 0.54, against 86.4% and 0.64 without decay. The network is less over-confident on the digits it gets wrong (lower test loss) but not more often right.

- With Adam the penalty is rescaled per weight along with the gradient; **AdamW** applies the decay to the weights directly (Loshchilov & Hutter, 2019). With AdamW and λ = 0.1: test 86.5%.`,
    training: {
      dataset: mnist(500),
      config: adam(0.001, 50, { optimizer: { kind: 'adam', weightDecay: 0.001 } }),
    },
    compare: { template: 'overfit-batchnorm', label: 'Open the batch-norm version' },
  },
  overfitBatchNorm: {
    title: 'Overfitting: batch normalization',
    text: `The overfitting MLP with BatchNorm1d after each hidden Linear. While training, each unit is standardised over the batch of 32, so every digit’s activations depend a little on which other digits share its batch: a noise that acts as a mild regulariser. At test time the running averages are used instead.

**Train with these settings** (500 digits, 50 epochs of Adam): training 100%, test 87.4% and test loss 0.47, the best of the three remedies here, against 86.4% and 0.64 without it.`,
    training: { dataset: mnist(500), config: adam(0.001, 50) },
    compare: { template: 'overfit-mlp', label: 'Open the plain version' },
  },
  transferPretrained: {
    title: 'Transfer learning: reuse what a network learned',
    text: `This LeNet-5 has already learned to read handwriting: it was trained on 10,000 MNIST digits 0–4 (3 epochs of Adam, 99.4% right on the test digits 0–4; \`scripts/pretrain-digits.ts\`). Its convolutions now find strokes, curves and corners, and those look the same in a 7 as in a 2. The new task: tell the digits 5–9 apart, from only 100 examples.

Set it up in three steps:

- Select **flatten_1** and press **Freeze up to here** in the inspector (*Transfer learning*): the two convolutions and everything before them keep their weights and get no backward pass; the canvas marks them *frozen*.
- Select **linear_3**, the classifier, and press **Replace classifier** with 5 classes: a fresh Linear for the new digits. linear_1 and linear_2 start from what they learned and keep training.
- **Train with these settings**: MNIST with **Only classes** 5–9 (relabelled 0–4), 100 training images, tested on all 4,861 test digits 5–9; 5 epochs of Adam, learning rate 0.005, batch 20. Then press **Train**.

Measured (seeds 1, 2 and 3, \`netwright train\` with the same settings): after 5 epochs the fine-tuned network gets ${listed(ft5)} of the test digits right. The same network trained from scratch on the same 100 digits gets ${listed(sc5)}: ${span(gaps5, '')} points behind. Open the from-scratch version and train it the same way.

- The pretrained features do most of the work from the start: ${span(TRANSFER_MEASURED.fineTuned[3])} after 3 epochs, against ${span(TRANSFER_MEASURED.scratch[3])} from scratch.
- With more epochs the gap shrinks: after 15 epochs it was ${span(TRANSFER_MEASURED.fineTuned[15])} against ${span(TRANSFER_MEASURED.scratch[15])}. What pretraining buys here is a head start: good accuracy after a few passes over the 100 digits.`,
    training: transferTraining,
    compare: { template: 'transfer-digits-scratch', label: 'Open the from-scratch version' },
  },
  transferScratch: {
    title: 'Transfer learning: the same 100 digits from scratch',
    text: `The same LeNet-5 with 5 outputs, with no pretrained weights: every layer starts from PyTorch’s default random initialisation. It is the other arm of the transfer-learning comparison.

**Train with these settings** (the same 100 digits 5–9, 5 epochs of Adam, learning rate 0.005, batch 20) and press **Train**. Measured (seeds 1, 2, 3): ${listed(sc5)} of the 4,861 test digits 5–9 right after 5 epochs, against ${listed(ft5)} for the network whose convolutions were pretrained on the digits 0–4.

- From scratch, the convolutions have to learn strokes from 100 pictures; the first epochs are spent finding any features at all (${span(TRANSFER_MEASURED.scratch[3])} after 3 epochs).
- Raise the epochs to 15 and train again: from scratch catches up to within ${span(gaps15, '')} points (${span(TRANSFER_MEASURED.scratch[15])} against ${span(TRANSFER_MEASURED.fineTuned[15])}).`,
    training: transferTraining,
    compare: { template: 'transfer-digits', label: 'Open the pretrained version' },
  },
  tbptt10: {
    title: 'Truncated BPTT: what an update costs',
    text: `An LSTM learning from a long text must backpropagate through time. **Full BPTT** runs the backward pass through every step a prediction depends on: one update over sequences of T steps costs O(T) time and keeps all T steps in memory. **Truncated BPTT** cuts each long stream into windows of τ steps. Each update runs forward and backward over the next window of every stream; the LSTM’s state (h and c) comes in from the stream’s previous window as plain numbers, detached, so no gradient flows back past the window’s start. An update then costs O(τ), however long the stream.

This LSTM reads windows of 10 characters (τ = 10): Embedding, LSTM (64), and a Linear over the flattened steps that predicts the next character. **Train with these settings** (generated sentences cut into 32 streams, one per batch row, 4,000 windows, 3 epochs of Adam at 0.005, seed 1): **Truncate BPTT** is ticked in the Training panel (at 10 steps, the Input's length), which shows the cost per update. Press **Train**.

Measured with \`netwright train\` (the same settings; seeds 1, 2, 3):

${TBPTT_TABLE}

The LSTM is the same in all three (20,992 parameters); the Linear reads all τ steps, so it grows with the window, and over 200 steps its 320,025 weights memorise the 4,000 windows (training accuracy 96%) instead of generalising. The test windows are read from a zero state, so each prediction sees only its own τ characters.

${TBPTT_QUESTIONS}`,
    training: tbpttTraining(10),
    compare: { template: 'tbptt-lstm-50', label: 'Open the τ = 50 version' },
  },
  tbptt50: {
    title: 'Truncated BPTT: τ = 50',
    text: `The same LSTM on windows of 50 characters of the same streams, the state carried from window to window. **Train with these settings** and train: each update now runs forward and backward through 50 steps.

${TBPTT_TABLE}

Five times the window, five times the FLOPs of an update: the backward pass visits every step of the window once.

${TBPTT_QUESTIONS}`,
    training: tbpttTraining(50),
    compare: { template: 'tbptt-lstm-full', label: 'Open the full-BPTT version' },
  },
  tbpttFull: {
    title: 'Full BPTT over 200 steps',
    text: `The same LSTM on whole sequences of 200 characters with no truncation: every update backpropagates through all 200 steps, from a zero state. **Train with these settings** (the same streams, read 200 characters at a time, no state carried) and train.

${TBPTT_TABLE}

An update costs 20 times the τ = 10 one. Here it also learns worse: the Linear over 200 flattened steps is big enough to memorise its 4,000 sequences.

${TBPTT_QUESTIONS}`,
    training: tbpttTraining(),
    compare: { template: 'tbptt-lstm-10', label: 'Open the τ = 10 version' },
  },
} satisfies Record<string, Lesson>;
