// The layer contract. Everything about a layer type lives in one file under engine/layers/ and
// is declared through defineLayer(); the palette, the inspector form, file validation, analysis,
// ONNX lowering and import, gradients and the gradient contract test all read it from the
// derived registry.
import type { Shape } from './tensor/shape.ts';
import type { Problem } from './diagnostics.ts';
import type { OnnxBuilder } from './onnx/builder.ts';
import type { OnnxImport } from './onnx/import/view.ts';

export type Category =
  | 'input'
  | 'linear'
  | 'convolution'
  | 'pooling'
  | 'activation'
  | 'normalization'
  | 'regularization'
  | 'reshape'
  | 'merge'
  | 'other';

export type AttrValue = number | boolean | string | null | readonly number[] | readonly (readonly number[])[];

interface SpecBase<T> {
  default: T;
  doc: string;
  /** Form label; the attribute key (PyTorch's name) is used when absent. */
  label?: string;
}

/** A spec's value type admits null only when the spec says `nullable: true`. */
type OrNull<T, Nullable extends boolean> = Nullable extends true ? T | null : T;

export interface IntSpec<Nullable extends boolean = boolean> extends SpecBase<OrNull<number, Nullable>> {
  kind: 'int';
  min?: number;
  max?: number;
  /** null is allowed and means what `doc` says (Input's batch_size: any). */
  nullable?: Nullable;
}
export interface FloatSpec extends SpecBase<number> {
  kind: 'float';
  min?: number;
  max?: number;
  /** Whether min itself is excluded (dropout p < 1, eps > 0). */
  exclusiveMax?: boolean;
  exclusiveMin?: boolean;
}
export interface BoolSpec extends SpecBase<boolean> {
  kind: 'bool';
}
export interface ChoiceSpec<T extends string = string> extends SpecBase<T> {
  kind: 'choice';
  options: readonly T[];
}
/** PyTorch's `int or tuple` (kernel_size, stride, dilation): one value, or one per spatial axis. */
export interface IntOrTupleSpec<Nullable extends boolean = boolean> extends SpecBase<
  OrNull<number | readonly number[], Nullable>
> {
  kind: 'intOrTuple';
  min: number;
  axes: number;
  /** null is allowed (a pool's stride: null means the kernel size, as in PyTorch). */
  nullable?: Nullable;
}
/** An int, a tuple per axis, (before..., after...) per axis, 'same' or 'valid'. */
export interface PaddingSpec extends SpecBase<number | readonly number[] | 'same' | 'valid'> {
  kind: 'padding';
  axes: number;
  allowSame: boolean;
}
/** A free-length list of ints (an input shape, a reshape target with one -1). */
export interface IntsSpec extends SpecBase<readonly number[]> {
  kind: 'ints';
  min: number;
  minLength: number;
  maxLength?: number;
}
/** A 0/1 matrix [out][in] or null (LeNet-5's C3 connection table). */
export interface TableSpec extends SpecBase<readonly (readonly number[])[] | null> {
  kind: 'table';
}
export interface StringSpec extends SpecBase<string> {
  kind: 'string';
}

export type AttrSpec =
  | IntSpec
  | FloatSpec
  | BoolSpec
  | ChoiceSpec
  | IntOrTupleSpec
  | PaddingSpec
  | IntsSpec
  | TableSpec
  | StringSpec;

export type AttrSpecs = Record<string, AttrSpec>;
export type AttrValues<S extends AttrSpecs> = { [K in keyof S]: S[K]['default'] };

// The value type follows `nullable` as written, never the spec type a caller expects back.
export const int = <Nullable extends boolean = false>(
  o: Omit<IntSpec<Nullable>, 'kind'>,
): IntSpec<NoInfer<Nullable>> => ({ kind: 'int', ...o });
export const float = (o: Omit<FloatSpec, 'kind'>): FloatSpec => ({ kind: 'float', ...o });
export const bool = (o: Omit<BoolSpec, 'kind'>): BoolSpec => ({ kind: 'bool', ...o });
export const choice = <T extends string>(o: Omit<ChoiceSpec<T>, 'kind'>): ChoiceSpec<T> => ({
  kind: 'choice',
  ...o,
});
export const intOrTuple = <Nullable extends boolean = false>(
  o: Omit<IntOrTupleSpec<Nullable>, 'kind'>,
): IntOrTupleSpec<NoInfer<Nullable>> => ({ kind: 'intOrTuple', ...o });
export const padding = (o: Omit<PaddingSpec, 'kind'>): PaddingSpec => ({ kind: 'padding', ...o });
export const ints = (o: Omit<IntsSpec, 'kind'>): IntsSpec => ({ kind: 'ints', ...o });
export const table = (o: Omit<TableSpec, 'kind'>): TableSpec => ({ kind: 'table', ...o });
export const string = (o: Omit<StringSpec, 'kind'>): StringSpec => ({ kind: 'string', ...o });

/** A learnable tensor or buffer a layer owns, with its shape for the given input shapes. */
export interface ParamSpec {
  name: string;
  shape: number[];
  /** 'buffer' = state that model.parameters() does not hold (BatchNorm's running statistics). */
  role: 'weight' | 'bias' | 'buffer';
  /**
   * Effective element count when not every element of `shape` is a parameter: a connection
   * table keeps the full weight tensor but only its connected entries are learned.
   */
  count?: number;
  /**
   * Initial value when not fan-in uniform (PyTorch's default for weights and biases): 'normal' is
   * N(0, 1) (nn.Embedding's weight).
   */
  init?: 'ones' | 'zeros' | 'normal';
  /** Uniform in ±bound instead of ±1/sqrt(fan_in) (recurrent layers use 1/sqrt(hidden_size)). */
  bound?: number;
  /** A row (first axis) that starts at zero (nn.Embedding's padding_idx). */
  zeroRow?: number;
}

/**
 * How a layer moves the receptive field, per spatial axis (Araujo et al., Distill 2019):
 * - window: a kernel (already dilated), a stride and the padding before;
 * - identity: element-wise (activations, normalisation over channels, Add, Concat);
 * - global: every output element sees every input position (global pooling, Flatten, Linear);
 * - upsample: a transposed convolution, whose stride divides the effective stride;
 * - sequence: a recurrent layer: each output step sees every earlier input step (causal), or every
 *   step (bidirectional); for the spatial field it is global.
 */
export type RFTransfer =
  | { kind: 'window'; kernel: number[]; stride: number[]; pad: number[] }
  | { kind: 'identity' }
  | { kind: 'global' }
  | { kind: 'sequence'; causal: boolean }
  | { kind: 'upsample'; kernel: number[]; stride: number[]; pad: number[] };

/** What a layer's toOnnx() gets: tensor names in, the builder, and its resolved shapes. */
export interface LowerContext<A> {
  b: OnnxBuilder;
  /** The node's name: a prefix for the names of its ONNX nodes. */
  node: string;
  inputs: string[];
  inputShapes: Shape[];
  outputShape: Shape;
  attrs: A;
  /** Parameter name -> initializer (or train-step input) tensor name. */
  params: Record<string, string>;
  /** Training graphs need batch statistics and dropout masks; inference graphs don't. */
  training: boolean;
  /**
   * Training a frozen node: it runs as at inference (BatchNorm on its running statistics, no
   * dropout), so a frozen backbone is one fixed function whose features can be cached.
   */
  frozen?: boolean;
  /** Name the last op's output with this, so ONNX tensor names follow node names. */
  output: string;
  /** Training: forward tensors this node's gradient rule needs (MaxPool indices, BatchNorm's x̂). */
  saved: Record<string, string>;
  /** Training: new values of buffers (BatchNorm running statistics), by parameter name. */
  bufferUpdates: Record<string, string>;
  /**
   * Training: a per-step input the trainer feeds (a dropout mask already scaled by 1/(1-p)),
   * drawn from a seeded generator so a run can be reproduced.
   */
  stepInput(kind: 'dropout-mask', shape: number[], p: number): string;
  /**
   * Training with truncated BPTT: a recurrent layer's state carried from the previous window. in()
   * declares the initial state as an input the trainer feeds; out() hands back the final state,
   * which the trainer feeds to the next window (detached: no gradient flows into the previous
   * window). Absent: every sequence starts from zeros.
   */
  carry?: {
    in(name: string, shape: number[]): string;
    out(name: string, tensor: string): void;
  };
  /** The opset being written (imported ONNX ops adapt to it); absent means 17. */
  opset?: number;
  /**
   * Layers with several outputs (an imported ONNX op) push the tensor of every output port here,
   * port 0 first; other layers leave it alone (their return value is port 0).
   */
  outputs?: string[];
  /** ONNX element types (DataType codes) of the outputs by port, where not float32. */
  outputTypes?: number[];
}

/** What a layer's gradient() gets: its forward context plus the output and its gradient. */
export interface GradContext<A> extends LowerContext<A> {
  /** The forward output tensor. */
  y: string;
  /** dLoss/dOutput, same shape as the output. */
  dy: string;
  /** Whether each input needs a gradient (an Input layer's does not). */
  needInput: boolean[];
}

export interface Gradients {
  /** dLoss/dInput per input port (null where not needed). */
  inputs: (string | null)[];
  /** dLoss/dParameter by parameter name (trainable parameters only, buffers excluded). */
  params: Record<string, string>;
}

/** What a layer's toTorch() gets: its attributes and resolved shapes (engine/export/pytorch). */
export interface TorchContext<A> {
  attrs: A;
  inputShapes: Shape[];
  outputShape: Shape;
  /** The parameters and buffers the layer owns (their names are the state_dict names). */
  params: ParamSpec[];
}

/** A Python definition a spelling needs once at the top of model.py (a small nn.Module subclass). */
export interface TorchHelper {
  name: string;
  code: string;
}

/**
 * The layer in PyTorch: a module held as an attribute of the network (`self.conv1 = nn.Conv2d(...)`),
 * an expression of the inputs (Add: `a + b`), or the reason there is no faithful spelling.
 */
export type TorchSpelling =
  | {
      /** The constructor call, e.g. `nn.Conv2d(1, 6, kernel_size=5, padding=2)`. */
      module: string;
      /** How forward() calls it (`self.pad_conv(F.pad(x, (0, 1, 0, 1)))`); `self.name(x)` when absent. */
      call?: (self: string, inputs: string[]) => string;
      /** state_dict entries the module has beyond the layer's parameters (num_batches_tracked). */
      extraState?: { name: string; dtype: 'I64'; shape: number[] }[];
      /** state_dict names (after the attribute) of parameters whose names differ in PyTorch. */
      stateNames?: Record<string, string>;
      helpers?: TorchHelper[];
    }
  | { expression: (inputs: string[]) => string; helpers?: TorchHelper[] }
  | { refuse: string };

/** A configuration whose gradients the contract test checks (test/unit/gradients.contract.test.ts). */
export interface GradientCase {
  attributes: Record<string, AttrValue>;
  /** Full input shapes, batch first. */
  inputs: number[][];
  /** Random inputs are uniform in ±this (default 1): wider to reach a layer's kinks (Hardswish's ±3). */
  inputScale?: number;
}

export interface LayerExample {
  why: string;
  attributes: Record<string, AttrValue>;
  inputs: Shape[];
  output: Shape;
  params?: number;
  macs?: number;
}

export type InputPorts = { names: readonly string[] } | { variadic: { min: number; name: string } };

export interface LayerDef<S extends AttrSpecs = AttrSpecs> {
  type: string;
  category: Category;
  /** One sentence for the palette tooltip and the docs. */
  summary: string;
  /** The PyTorch spelling, for the summary table and help ("nn.Conv2d(...)"). */
  torch?: string;
  /**
   * The layer as PyTorch code (engine/export/pytorch). When absent, a `torch` of the form `nn.X`
   * is called with the attributes that differ from their defaults as keywords.
   */
  toTorch?(ctx: TorchContext<AttrValues<S>>): TorchSpelling;
  inputs: InputPorts;
  attributes: S;
  /** Cross-attribute or input-dependent validation beyond each attribute's own range. */
  check?(a: AttrValues<S>, inputs: Shape[]): Problem | null;
  outputShape(inputs: Shape[], a: AttrValues<S>): Shape | Problem;
  /** Legal but probably unintended (a warning, not an error): Linear on a 4-d feature map. */
  advise?(inputs: Shape[], a: AttrValues<S>): string | null;
  /** Learnable tensors and buffers; none when absent. */
  parameters?(inputs: Shape[], a: AttrValues<S>): ParamSpec[];
  /** Multiply-accumulates per sample; 0 when absent (activations, pools, reshapes). */
  macs?(inputs: Shape[], output: Shape, a: AttrValues<S>): number;
  /**
   * Input ports that take integer ids rather than real values (Embedding's indices): per port, how
   * many ids it accepts ([0, n)), null for a real-valued port. Tests draw valid ids from it; data
   * arrives as float32 and the layer casts it.
   */
  indexInputs?(a: AttrValues<S>): (number | null)[];
  /** Receptive-field transfer; identity when absent. */
  receptiveField?(inputs: Shape[], a: AttrValues<S>): RFTransfer;
  /**
   * Emits the layer's ONNX ops (opset 17) and returns the output tensor name. Layers that are
   * no-ops at inference (Dropout, Identity) may return their input.
   */
  toOnnx(ctx: LowerContext<AttrValues<S>>): string;
  /**
   * The backward pass as standard ONNX ops (docs/engine-notes.md has the lowerings and pitfalls).
   * Absent only for layers with no inputs (Input).
   */
  gradient?(ctx: GradContext<AttrValues<S>>): Gradients;
  /**
   * A recurrent state that truncated BPTT can carry from one window to the next (LowerContext.carry):
   * the Training panel offers truncation only for networks with such a layer.
   */
  carriesState?: boolean;
  /** The lowest ONNX opset that can express this layer; 13 (our floor) when absent. */
  minOpset?: number;
  /** Every output's shape for layers with several outputs (an imported ONNX op); null where unknown. */
  outputShapes?(inputs: (Shape | null)[], a: AttrValues<S>): (Shape | null)[];
  /** Analysis and export go on when this layer's shapes are unknown (imported ONNX ops). */
  shapeMayBeUnknown?: boolean;
  /** Why this node can't be written at `opset`, as a sentence, or null (imported ONNX ops). */
  exportCheck?(a: AttrValues<S>, opset: number, inputs: readonly (Shape | null)[]): string | null;
  /** Which ONNX nodes import as this layer, and how (engine/onnx/import/view.ts). */
  fromOnnx?: OnnxImport;
  /** The op to show in tables when it depends on attributes (an imported ONNX op shows its operator). */
  opLabel?(a: AttrValues<S>): string;
  /**
   * What happens inside the layer for one sample, for Step through: attention weights per head, a
   * recurrent layer's gates per step. Computed from the sample's input and the parameters; a
   * string says why there is nothing to show (an unsupported setting).
   */
  internals?(ctx: InternalsContext<AttrValues<S>>): LayerInternals | string;
  /** Worked cases: the contract test checks every one of them. */
  examples: LayerExample[];
  /**
   * A spread of attribute values and input shapes whose analytic gradients (the train-step graph
   * in onnxruntime) the contract test checks against central differences of the float64
   * reference (test/helpers/reference); every layer with a `gradient` rule needs at least one.
   */
  gradientCases?: GradientCase[];
}

/** One sample's input (shape without the batch axis) and the layer's parameters, for internals(). */
export interface InternalsContext<A> {
  input: Float32Array;
  inputShape: number[];
  params: ReadonlyMap<string, Float32Array>;
  attrs: A;
}

/**
 * Inside a layer for one sample. attention: `weights` is heads × queries × keys, row-major (each
 * row a softmax over the keys). gates: `values` is layers × directions × steps × gates × units,
 * each gate's activation (after its sigmoid or tanh), in PyTorch's gate order.
 */
export type LayerInternals =
  | { kind: 'attention'; heads: number; steps: number; weights: Float32Array }
  | {
      kind: 'gates';
      gates: string[];
      layers: number;
      directions: number;
      steps: number;
      units: number;
      values: Float32Array;
    };

/** Erased form the registry holds. */
export type AnyLayerDef = LayerDef<AttrSpecs>;

export function defineLayer<S extends AttrSpecs>(def: LayerDef<S>): AnyLayerDef {
  return def as unknown as AnyLayerDef;
}

export function inputNames(def: AnyLayerDef, count: number): string[] {
  if ('names' in def.inputs) return [...def.inputs.names];
  const base = def.inputs.variadic.name;
  return Array.from({ length: Math.max(count, def.inputs.variadic.min) }, (_, i) => `${base}${i}`);
}

export function minInputs(def: AnyLayerDef): number {
  return 'names' in def.inputs ? def.inputs.names.length : def.inputs.variadic.min;
}

export function maxInputs(def: AnyLayerDef): number {
  return 'names' in def.inputs ? def.inputs.names.length : Infinity;
}

export function defaultAttributes(def: AnyLayerDef): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const [k, spec] of Object.entries(def.attributes)) out[k] = spec.default as AttrValue;
  return out;
}
