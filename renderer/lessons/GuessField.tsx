// Predict, then reveal: while a lesson hides a quantity, the inspector shows "?" and asks for a
// guess; Reveal shows the answer, whether the guess was right, and the working.
import { useId, useMemo, useState } from 'react';
import type { HiddenQuantity } from '../../protocol/lesson.ts';
import { lessonOf } from '../../protocol/lesson.ts';
import { selectAnalysis, useApp } from '../state/appStore.ts';
import type { Reveal } from './predict.ts';
import { reveal } from './predict.ts';
import { markRevealed } from './reveals.ts';

const LABELS: Record<HiddenQuantity, string> = {
  shape: 'output shape',
  params: 'parameters',
  macs: 'MACs',
  rf: 'receptive field',
};

/** The overlays the open document's lesson hides. */
export function useHidden(): readonly HiddenQuantity[] {
  // Select the raw field: parsing inside the selector would give a new array on every call.
  const raw = useApp((s) => s.doc.lesson);
  return useMemo(() => lessonOf(raw)?.hide ?? NONE, [raw]);
}
const NONE: readonly HiddenQuantity[] = [];

export function GuessField({ nodeId, quantity }: { nodeId: string; quantity: HiddenQuantity }) {
  const id = useId();
  const graph = useApp((s) => s.doc.graph);
  const analysis = useApp(selectAnalysis);
  const [guess, setGuess] = useState('');
  const [result, setResult] = useState<Reveal | null>(null);
  const lesson = useApp((s) => s.doc.lesson);
  const check = () => {
    const r = reveal(quantity, guess, graph, analysis.nodes, nodeId);
    setResult(r);
    if (r) markRevealed(lesson, nodeId, quantity);
  };
  return (
    <div className="guess" role="group" aria-label={`Guess the ${LABELS[quantity]}`}>
      <label htmlFor={id} className="muted">
        Your guess
      </label>
      <div className="guess__row">
        <input
          id={id}
          type="text"
          value={guess}
          spellCheck={false}
          onChange={(e) => setGuess(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && check()}
        />
        <button type="button" onClick={check}>
          Reveal
        </button>
      </div>
      {result && (
        <div aria-live="polite">
          <p className="guess__verdict" data-right={result.right}>
            {result.right ? 'Right' : 'Not quite'}: {result.answer}
          </p>
          {result.working.map((line, i) => (
            <p key={i} className="guess__working">
              {line}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}
