// The Training drawer's preprocessing of an uploaded picture folder: the size every picture is
// resized to and the per-channel mean and std it is normalised with. Empty fields follow the
// model (its Input's size; for RGB, ImageNet's statistics, which torchvision's pretrained models
// expect), and the placeholders say what that is.
import { useEffect, useState } from 'react';
import type { ImagePreprocessing as Preprocess } from '../../protocol/training.ts';
import { useApp } from '../state/appStore.ts';

/** torchvision's transforms.Normalize for its ImageNet weights (host/data/preprocess.ts). */
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

function useModelInput(): number[] | null {
  // A string selector, so the component re-renders only when the Input's shape changes.
  const text = useApp((s) => {
    const inputs = s.doc.graph.nodes.filter((n) => n.type === 'Input');
    return JSON.stringify(inputs.length === 1 ? inputs[0].attributes.shape : null);
  });
  const shape = JSON.parse(text) as unknown;
  return Array.isArray(shape) && shape.length === 3 && shape.every((d) => typeof d === 'number')
    ? shape
    : null;
}

function parseList(text: string): number[] | null | 'bad' {
  if (!text.trim()) return null;
  const values = text.split(',').map((t) => Number(t.trim()));
  return values.length <= 4 && values.every(Number.isFinite) ? values : 'bad';
}

function ListField(props: {
  label: string;
  value: number[] | undefined;
  placeholder: string;
  help: string;
  positive?: boolean;
  onChange(v: number[] | undefined): void;
}) {
  const [text, setText] = useState(props.value?.join(', ') ?? '');
  useEffect(() => setText(props.value?.join(', ') ?? ''), [props.value]);
  const parsed = parseList(text);
  const bad = parsed === 'bad' || (props.positive && Array.isArray(parsed) && parsed.some((v) => v <= 0));
  return (
    <label className="training-field">
      <span>{props.label}</span>
      <input
        type="text"
        value={text}
        placeholder={props.placeholder}
        aria-invalid={bad || undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => !bad && props.onChange(Array.isArray(parsed) ? parsed : undefined)}
      />
      <small className="field-help">
        {bad
          ? 'Comma-separated numbers, one per channel' + (props.positive ? ', each above 0.' : '.')
          : props.help}
      </small>
    </label>
  );
}

export function ImagePreprocessing({
  value,
  onChange,
}: {
  value: Preprocess | undefined;
  onChange(p: Preprocess | undefined): void;
}) {
  const input = useModelInput();
  const p = value ?? {};
  const set = (change: Partial<Preprocess>) => {
    const next = { ...p, ...change };
    for (const k of Object.keys(next) as (keyof Preprocess)[]) if (next[k] === undefined) delete next[k];
    onChange(Object.keys(next).length ? next : undefined);
  };
  const rgb = input?.[0] === 3;
  const fromModel = input ? `${input[1]}×${input[2]} (the model's input)` : 'the size chosen when adding';
  const side = (i: 0 | 1) => (
    <input
      type="number"
      min={4}
      max={1024}
      aria-label={i === 0 ? 'Resize height' : 'Resize width'}
      placeholder={input ? String(input[1 + i]) : ''}
      value={p.size?.[i] ?? ''}
      onChange={(e) => {
        const n = Number(e.target.value);
        if (!e.target.value) return set({ size: undefined });
        if (!Number.isInteger(n) || n < 4 || n > 1024) return;
        const other = p.size?.[1 - i] ?? input?.[2 - i] ?? n;
        set({ size: i === 0 ? [n, other] : [other, n] });
      }}
    />
  );
  return (
    <fieldset className="training-fieldset" aria-label="Preprocessing">
      <legend>Preprocessing</legend>
      <div className="training-field">
        <span>Resize to</span>
        <span className="preprocess__size">
          {side(0)} × {side(1)}
        </span>
        <small className="field-help">Height × width in pixels; empty: {fromModel}.</small>
      </div>
      <ListField
        label="Mean"
        value={p.mean}
        placeholder={rgb ? IMAGENET.mean.join(', ') : 'none'}
        help={
          rgb
            ? "Subtracted per channel (pixels in 0..1); empty: ImageNet's."
            : 'Subtracted per channel; empty: none.'
        }
        onChange={(mean) => set({ mean })}
      />
      <ListField
        label="Std"
        value={p.std}
        placeholder={rgb ? IMAGENET.std.join(', ') : 'none'}
        help={rgb ? "Divided by per channel; empty: ImageNet's." : 'Divided by per channel; empty: none.'}
        positive
        onChange={(std) => set({ std })}
      />
    </fieldset>
  );
}
