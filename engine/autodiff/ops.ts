// Small ONNX idioms the gradient rules share (opset 17: reduction axes are inputs for
// ReduceSum, attributes for ReduceMean).
import type { OnnxBuilder } from '../onnx/builder.ts';
import { DataType } from '../onnx/types.ts';
import type { Shape } from '../tensor/shape.ts';

export function reduceSum(b: OnnxBuilder, x: string, axes: number[], keepdims: boolean): string {
  return b.op('ReduceSum', [x, b.int64s('axes', axes)], { keepdims: keepdims ? 1 : 0 });
}

export function reshape(b: OnnxBuilder, x: string, shape: readonly number[], name?: string): string {
  return b.op('Reshape', [x, b.int64s('shape', [...shape])], {}, { name });
}

/** A zero-filled float tensor of a static shape, made at run time (no large initializer). */
export function zeros(b: OnnxBuilder, shape: readonly number[]): string {
  const value = { name: 'value', dataType: DataType.FLOAT, dims: [1], floatData: new Float32Array([0]) };
  return b.op('ConstantOfShape', [b.int64s('shape', [...shape])], { value });
}

/** Static shapes in train graphs: every dim is a number once the batch is fixed. */
export function dims(s: Shape): number[] {
  return s.map((d) => {
    if (typeof d !== 'number') throw new Error(`a symbolic dimension '${d}' reached a train graph`);
    return d;
  });
}
