// Small labelled form fields for the Training panel: each shows its help text under it, and a
// number field only passes on values inside its range (the text may be mid-edit meanwhile).
import { useEffect, useState } from 'react';

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
      <span>{label}</span>
      <input
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
      <small className="field-help">
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
  return (
    <label className="training-field">
      <span>{label}</span>
      <select value={value} onChange={(e) => onChange(e.target.value as T)}>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <small className="field-help">{options.find((o) => o.value === value)?.help}</small>
    </label>
  );
}
