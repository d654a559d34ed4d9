// Small labelled form fields for the Training panel: each shows its help text under it, and a
// number field only passes on values inside its range (the text may be mid-edit meanwhile).
// The control is named by its label alone and described by the help text (aria-labelledby /
// aria-describedby), so screen readers and tests find "Learning rate" without the help's words.
import { useEffect, useId, useState } from 'react';

interface NumberFieldProps {
  label: string;
  value: number;
  min: number;
  max: number;
  /** 1 (default) allows whole numbers only; 'any' or a fraction allows decimals. */
  step?: number | 'any';
  help: string;
  onChange(value: number): void;
}

export function NumberField({ label, value, min, max, step = 1, help, onChange }: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useState(String(value));
  useEffect(() => {
    setText((t) => (Number(t) === value ? t : String(value)));
  }, [value]);
  const parsed = Number(text);
  const valid =
    text.trim() !== '' &&
    Number.isFinite(parsed) &&
    parsed >= min &&
    parsed <= max &&
    (step !== 1 || Number.isInteger(parsed));
  return (
    <label className="training-field" data-invalid={valid ? undefined : true}>
      <span id={`${id}-label`}>{label}</span>
      <input
        aria-labelledby={`${id}-label`}
        aria-describedby={`${id}-help`}
        type="number"
        value={text}
        min={min}
        max={max}
        step={step}
        aria-invalid={!valid}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(v) && v >= min && v <= max)
            if (step !== 1 || Number.isInteger(v)) onChange(v);
        }}
      />
      <small className="field-help" id={`${id}-help`}>
        {valid ? help : `Enter ${step === 1 ? 'a whole number' : 'a number'} from ${min} to ${max}.`}
      </small>
    </label>
  );
}

interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  options: readonly { value: T; label: string; help: string }[];
  onChange(value: T): void;
}

export function SelectField<T extends string>({ label, value, options, onChange }: SelectFieldProps<T>) {
  const id = useId();
  return (
    <label className="training-field">
      <span id={`${id}-label`}>{label}</span>
      <select
        aria-labelledby={`${id}-label`}
        aria-describedby={`${id}-help`}
        value={value}
        onChange={(e) => onChange(e.target.value as T)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <small className="field-help" id={`${id}-help`}>
        {options.find((o) => o.value === value)?.help}
      </small>
    </label>
  );
}
