// "Convolution as a filter": templates whose convolution weights are typed in rather than
// learned, so a student can read each kernel, change it in the inspector and see what it does to
// an image under Feature maps. Written into assets/templates/ by make-templates.ts.
import type { Graph, StoredTensor } from '../engine/index.ts';
import { encodeFloat32, GraphBuilder } from '../engine/index.ts';
import type { Lesson } from '../protocol/lesson.ts';
import type { TemplateSpec } from './make-templates.ts';

const tensor = (shape: number[], values: number[]): StoredTensor => ({
  shape,
  dtype: 'float32',
  data: encodeFloat32(Float32Array.from(values)),
});

const idOf = (graph: Graph, type: string) => graph.nodes.find((n) => n.type === type)!.id;

/** Forward differences as Conv2d computes them (cross-correlation): in[y, x+1] − in[y, x], and in y. */
export const DIFFERENCE_X = [0, 0, 0, 0, -1, 1, 0, 0, 0];
export const DIFFERENCE_Y = [0, 0, 0, 0, -1, 0, 0, 1, 0];
/** ITU-R BT.601 luma: how much red, green and blue each contribute to brightness. */
export const LUMA = [0.299, 0.587, 0.114];

function convAsFilter(): Graph {
  const b = new GraphBuilder();
  b.chain(b.input([1, 28, 28]), [['Conv2d', { out_channels: 2, kernel_size: 3, padding: 1 }]]);
  return b.graph;
}

function avgPoolAsConv(): Graph {
  const b = new GraphBuilder();
  const x = b.input([1, 28, 28]);
  b.add('AvgPool2d', { kernel_size: 2 }, x);
  b.add('Conv2d', { out_channels: 1, kernel_size: 2, stride: 2 }, x);
  return b.graph;
}

function rgbToGray(): Graph {
  const b = new GraphBuilder();
  b.chain(b.input([3, 32, 32]), [['Conv2d', { out_channels: 1, kernel_size: 1 }]]);
  return b.graph;
}

const LESSONS: Record<string, Lesson> = {
  convAsFilter: {
    title: 'Convolution as a filter',
    text: `A convolution slides a small grid of weights over the image and, at every position, multiplies each weight with the pixel under it and adds up. Nothing here is learned: the two 3×3 kernels of this Conv2d were typed in.

- Select **conv2d_1** and scroll the inspector to **Weights**: output channel 0 holds −1 and 1 side by side (a finite difference in x), channel 1 holds −1 above 1 (a finite difference in y). The biases are 0.
- Press **Feature maps** to see both outputs for an MNIST digit. Channel 0 is the change from each pixel to the one on its right: orange where the stroke begins (dark to bright), purple where it ends. Channel 1 does the same downwards, so it finds the horizontal edges. On the first digit both range from about −1 to 1; the flat black background gives exactly 0.

Try it: pick **Sobel x** from a grid’s preset menu (a smoothed difference, values up to about ±4), **Box blur** (the digit gets soft), or **Identity** (the digit comes back unchanged). Type your own numbers into the grid; every change is one undo step (Ctrl+Z).`,
  },
  avgPoolAsConv: {
    title: 'Average pooling is a strided convolution',
    text: `One Input feeds two layers: a 2×2 average pooling, and a Conv2d with a 2×2 kernel and stride 2 whose four weights are all 0.25 and whose bias is 0.

Both compute (a + b + c + d) / 4 over each 2×2 block, so both give 1×14×14, and the same numbers: open **Feature maps** on each (select the layer, then the button) with the same digit and compare. In the test suite the two outputs agree to float32 rounding on every digit tried.

- The pooling layer has 0 parameters; the convolution has 5 (four weights and a bias), which training would be free to change. That is the whole difference.
- Change one of the convolution’s weights to 1 and watch its map grow brighter in one corner of every block.`,
  },
  rgbToGray: {
    title: 'RGB to grayscale is a 1×1 convolution',
    text: `A 1×1 convolution looks at one pixel at a time and mixes its channels. With the weights 0.299, 0.587 and 0.114 (ITU-R BT.601) on red, green and blue, its single output channel is the brightness a television shows for that colour.

- Select **conv2d_1**: the inspector shows one 1×1 grid per input channel, out 0 · in 0 (red), in 1 (green), in 2 (blue).
- Press **Feature maps**: the built-in test image (colour bars, a grey ramp, an orange disc) goes in, one brightness map comes out (drawn in the colour scale under it: dark purple 0, yellow 1). The red bar comes out 0.299, green 0.587, blue 0.114, yellow 0.886, white 1 and black 0; the grey ramp passes through unchanged because its weights add up to 1.

Try weights 1, 0, 0 (only the red channel) or 1/3 each (a plain average: green and blue bars then look alike).`,
  },
};

export const FILTER_TEMPLATES: Record<string, TemplateSpec> = {
  'conv-as-filter': {
    title: 'Convolution as a filter',
    description: 'A 3×3 Conv2d whose two kernels are typed in: finite differences in x and in y on a digit.',
    build: convAsFilter,
    lesson: LESSONS.convAsFilter,
    weights: (graph) => ({
      [idOf(graph, 'Conv2d')]: {
        weight: tensor([2, 1, 3, 3], [...DIFFERENCE_X, ...DIFFERENCE_Y]),
        bias: tensor([2], [0, 0]),
      },
    }),
  },
  'avgpool-as-conv': {
    title: 'Average pooling as a strided convolution',
    description: 'AvgPool2d 2×2 beside a Conv2d 2×2, stride 2, weights 0.25: the same output.',
    build: avgPoolAsConv,
    lesson: LESSONS.avgPoolAsConv,
    weights: (graph) => ({
      [idOf(graph, 'Conv2d')]: {
        weight: tensor([1, 1, 2, 2], [0.25, 0.25, 0.25, 0.25]),
        bias: tensor([1], [0]),
      },
    }),
  },
  'rgb-to-gray': {
    title: 'RGB to grayscale as a 1×1 convolution',
    description: 'A Conv2d 3→1 with 1×1 kernels 0.299, 0.587, 0.114: brightness from colour.',
    build: rgbToGray,
    lesson: LESSONS.rgbToGray,
    weights: (graph) => ({
      [idOf(graph, 'Conv2d')]: { weight: tensor([1, 3, 1, 1], LUMA), bias: tensor([1], [0]) },
    }),
  },
};
