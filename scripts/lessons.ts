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

const lenetTraining = { dataset: mnist(5000), config: adam(0.002, 2) };

export const LESSONS = {
  lenet: {
    title: 'LeNet-5 on MNIST',
    text: `LeNet-5 (LeCun et al., 1998) reads a 28×28 handwritten digit with two convolution + pooling stages and three fully connected layers: 61,706 parameters and 416,520 multiply-adds per digit.

- Follow the shapes down the canvas: 1×28×28 → 6×28×28 (5×5 kernels, padding 2) → 6×14×14 after pooling → 16×10×10 → 16×5×5 → 400 → 120 → 84 → 10 scores, one per digit.
- Most of the parameters sit in the first Linear layer (48,120 of 61,706); most of the multiply-adds in the two convolutions. Open the **Summary** to see both.

**Train with these settings**: 5,000 digits, 2 epochs of Adam, about ten seconds. Before the first step the network guesses (about 10% right); the test accuracy passes 90% by the end of the second epoch.

Then draw a digit under **Try it**. The pad scales and centres your drawing the way the MNIST digits were prepared, and shows the 28×28 picture the network actually gets.`,
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

**Train with these settings** and watch the badges on the canvas after each epoch: **∇** is the layer’s mean gradient norm, **ΔW/W** how far the epoch moved its weights (Adam moves every weight by about the learning rate, so this one stays similar down the network). After the first epoch the last layer’s gradient is about 0.7 and the first layer’s about 5e-7, a factor of a million; the first layers’ ∇ badges are the darkest. The **Gradient norms** chart (by layer) shows the same on a log scale: a straight line falling towards the input.

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
    text: `Every node shows its receptive field as \`RF size /stride @start\`: how many input pixels one output position sees, how far that window moves when the output moves by one, and where the first window starts (negative: it begins in the padding).

- First 3×3 convolution (padding 1): RF 3, stride 1, start −1.
- Second 3×3 convolution: 5 = 3 + (3 − 1) × 1.
- 2×2 max pooling: 6, and the stride doubles to 2.
- Third 3×3 convolution: each extra tap now spans 2 input pixels, so 6 + 2 × 2 = 10; the fourth gives 14.
- The last pooling: 16, stride 4.

The rule (Araujo et al., Distill 2019): r_out = r_in + (k − 1) × S_in and S_out = S_in × stride, with a dilated kernel counting as d(k − 1) + 1.

The parameter counts and fields are hidden (**?**) in this lesson: select a layer, type **Your guess** in the inspector and press **Reveal** to see the answer and the working. **Show receptive field** draws which input pixels one output position sees.

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
} satisfies Record<string, Lesson>;
