// One inspector field, derived from an attribute spec. Text is validated as it is typed with the
// engine's parseAttributeInput; valid values are applied at once (consecutive keystrokes are one
// undo step), invalid text stays in the field with the reason underneath.
import { useEffect, useId, useRef, useState } from 'react';
import type { AttrSpec, AttrValue, Diagnostic } from '../../engine/index.ts';
import { parseAttributeInput } from '../../engine/index.ts';
import { appStore } from '../state/appStore.ts';
import { sameValue, valueToText } from './attributeText.ts';
import { TableField } from './TableField.tsx';

interface Props {
  nodeId: string;
  name: string;
  spec: AttrSpec;
  value: AttrValue | undefined;
  diagnostics: Diagnostic[];
}

export function AttributeField({ nodeId, name, spec, value, diagnostics }: Props) {
  const id = useId();
  const [text, setText] = useState(() => valueToText(value));
  const [error, setError] = useState<string | null>(null);
  const applied = useRef(value);

  // Undo/redo or another edit changed the value: show it, unless it is what we just applied.
  useEffect(() => {
    if (sameValue(value, applied.current)) return;
    applied.current = value;
    setText(valueToText(value));
    setError(null);
  }, [value]);

  const apply = (next: AttrValue) => {
    if (sameValue(next, value)) return;
    applied.current = next;
    appStore.getState().actions.setAttribute(nodeId, name, next);
  };

  const onText = (t: string) => {
    setText(t);
    const parsed = parseAttributeInput(spec, t);
    if ('error' in parsed) return setError(parsed.error);
    setError(null);
    apply(parsed.value);
  };

  const label = spec.label ?? name;
  const describedBy = [`${id}-help`, error || diagnostics.length ? `${id}-problem` : '']
    .filter(Boolean)
    .join(' ');
  const invalid = Boolean(error) || diagnostics.some((d) => d.severity === 'error');

  let control;
  if (spec.kind === 'bool') {
    control = (
      <input
        id={id}
        type="checkbox"
        checked={value === true}
        aria-describedby={describedBy}
        onChange={(e) => apply(e.target.checked)}
      />
    );
  } else if (spec.kind === 'choice') {
    control = (
      <select
        id={id}
        value={String(value)}
        aria-describedby={describedBy}
        onChange={(e) => apply(e.target.value)}
      >
        {spec.options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    );
  } else if (spec.kind === 'table') {
    control = <TableField nodeId={nodeId} name={name} value={value} />;
  } else {
    control = (
      <input
        id={id}
        type="text"
        spellCheck={false}
        autoComplete="off"
        value={text}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        placeholder={spec.kind === 'int' && spec.nullable ? 'any' : undefined}
        onChange={(e) => onText(e.target.value)}
      />
    );
  }

  return (
    <div className="field" data-kind={spec.kind} data-invalid={invalid || undefined}>
      <label htmlFor={id}>{label}</label>
      {control}
      {(error || diagnostics.length > 0) && (
        <div id={`${id}-problem`} className="field__problem" aria-live="polite">
          {error && <p>{`${label} ${error}`}</p>}
          {diagnostics.map((d, i) => (
            <p key={i}>{d.message}</p>
          ))}
        </div>
      )}
      <p id={`${id}-help`} className="field__help">
        {spec.doc}
      </p>
    </div>
  );
}
