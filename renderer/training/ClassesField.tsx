// The Training panel's "Only classes" field: train and test on some classes only ("5-9"),
// relabelled 0, 1, … in that order, as `netwright train --keep-classes` does. Empty means all.
// The text may be mid-edit; only a readable list (or an empty field) reaches the settings.
import { useEffect, useId, useState } from 'react';
import { formatClassList, parseClassList } from '../../engine/data/index.ts';

export function ClassesField({
  value,
  onChange,
}: {
  value: number[] | undefined;
  onChange(classes: number[] | undefined): void;
}) {
  const id = useId();
  const shown = value ? formatClassList(value) : '';
  const [text, setText] = useState(shown);
  useEffect(() => {
    setText((t) => (formatClassList(parseClassList(t) ?? []) === shown ? t : shown));
  }, [shown]);
  const valid = text.trim() === '' || parseClassList(text) !== null;
  return (
    <label className="training-field" data-invalid={valid ? undefined : true}>
      <span id={`${id}-label`}>Only classes</span>
      <input
        aria-labelledby={`${id}-label`}
        aria-describedby={`${id}-help`}
        type="text"
        placeholder="all"
        value={text}
        aria-invalid={!valid}
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim() === '') return onChange(undefined);
          const classes = parseClassList(e.target.value);
          if (classes) onChange(classes);
        }}
      />
      <small className="field-help" id={`${id}-help`}>
        {valid
          ? 'Train and test on these classes only, e.g. 5-9 or 0,2,4; they become classes 0, 1, … in that order, so the network needs one output per class kept. Empty: all classes.'
          : 'Give class numbers or ranges, e.g. 5-9 or 0,2,4.'}
      </small>
    </label>
  );
}
