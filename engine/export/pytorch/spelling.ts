// A layer's PyTorch spelling: its own toTorch(), or, for layers whose `torch` field is a plain
// `nn.X` whose keywords are the layer's attributes (ReLU, ELU, Dropout, Flatten, GELU...), that
// module called with the attributes that differ from their defaults.
import type { AnyLayerDef, AttrValue, TorchContext, TorchSpelling } from '../../layer.ts';
import { call, decimal, type PyValue } from './python.ts';

export function torchSpelling(def: AnyLayerDef, ctx: TorchContext<never>): TorchSpelling {
  if (def.toTorch) return def.toTorch(ctx);
  if (!def.torch || !/^nn\.\w+$/.test(def.torch))
    return { refuse: `${def.type} has no PyTorch spelling yet` };
  const attrs = ctx.attrs as Record<string, AttrValue>;
  const keywords = Object.entries(def.attributes).map(([k, spec]): [string, PyValue, PyValue] => {
    const v = attrs[k] ?? (spec.default as AttrValue);
    const asFloat = (x: AttrValue) =>
      spec.kind === 'float' && typeof x === 'number' ? decimal(x) : (x as PyValue);
    return [k, asFloat(v), asFloat(spec.default as AttrValue)];
  });
  return { module: call(def.torch, [], keywords) };
}

/**
 * nn.Module's own attributes and methods: a layer attribute with one of these names would
 * shadow it (a node named "eval" or "training").
 */
export const MODULE_ATTRIBUTES: readonly string[] = [
  'T_destination',
  'add_module',
  'apply',
  'bfloat16',
  'buffers',
  'call_super_init',
  'children',
  'cpu',
  'cuda',
  'double',
  'dump_patches',
  'eval',
  'extra_repr',
  'float',
  'forward',
  'get_buffer',
  'get_extra_state',
  'get_parameter',
  'get_submodule',
  'half',
  'ipu',
  'load_state_dict',
  'modules',
  'named_buffers',
  'named_children',
  'named_modules',
  'named_parameters',
  'parameters',
  'register_backward_hook',
  'register_buffer',
  'register_forward_hook',
  'register_forward_pre_hook',
  'register_full_backward_hook',
  'register_module',
  'register_parameter',
  'requires_grad_',
  'set_extra_state',
  'share_memory',
  'state_dict',
  'to',
  'to_empty',
  'train',
  'training',
  'type',
  'xpu',
  'zero_grad',
];
