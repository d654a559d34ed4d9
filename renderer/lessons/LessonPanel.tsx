// A document's lesson: the teacher's text, the settings it was written for, and a template to
// open alongside for comparison. Shown above the inspector while the document has one.
import './lesson.css';
import { Fragment } from 'react';
import type { ReactNode } from 'react';
import type { Lesson } from '../../protocol/lesson.ts';
import { lessonOf } from '../../protocol/lesson.ts';
import { openTemplate } from '../app/documentFlows.ts';
import { appStore, useApp } from '../state/appStore.ts';
import { defaultSetup } from '../training/trainingState.ts';

/** **bold** and `code` inside a line. */
function inline(text: string): ReactNode[] {
  return text
    .split(/(\*\*[^*]+\*\*|`[^`]+`)/g)
    .map((part, i) =>
      part.startsWith('**') && part.endsWith('**') ? (
        <strong key={i}>{part.slice(2, -2)}</strong>
      ) : part.startsWith('`') && part.endsWith('`') ? (
        <code key={i}>{part.slice(1, -1)}</code>
      ) : (
        <Fragment key={i}>{part}</Fragment>
      ),
    );
}

/** Paragraphs separated by blank lines; a paragraph of "- " lines is a list. */
export function LessonText({ text }: { text: string }) {
  return (
    <>
      {text
        .split(/\n\s*\n/)
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p, i) => {
          const lines = p.split('\n');
          if (lines.every((l) => l.trimStart().startsWith('- ')))
            return (
              <ul key={i}>
                {lines.map((l, j) => (
                  <li key={j}>{inline(l.trimStart().slice(2))}</li>
                ))}
              </ul>
            );
          return <p key={i}>{inline(lines.join(' '))}</p>;
        })}
    </>
  );
}

/** Copies the lesson's training settings into the Training panel and opens it. */
function applySettings(lesson: Lesson): void {
  const { actions } = appStore.getState();
  const t = lesson.training;
  if (t) actions.setTrainingSetup({ dataset: t.dataset, config: { ...defaultSetup.config, ...t.config } });
  // The race panel reads its contestants from the lesson itself (TrainingRace.tsx).
  if (lesson.race) actions.setTrainingMode('race');
  else if (appStore.getState().trainingMode === 'race') actions.setTrainingMode('single');
  actions.setTrainingOpen(true);
}

export function LessonPanel() {
  const raw = useApp((s) => s.doc.lesson);
  const lesson = lessonOf(raw);
  const hasHost = useApp((s) => s.host !== null);
  if (!lesson) return null;
  const hasButtons = lesson.training !== undefined || lesson.compare !== undefined;
  // Keyed by title so the next lesson (e.g. opened by its compare button) starts at its top
  // rather than at the previous lesson's scroll position.
  return (
    <section key={lesson.title} className="lesson" role="region" aria-label="Lesson">
      <header className="lesson__header">
        <h2>{lesson.title}</h2>
        <button
          type="button"
          className="link-button"
          aria-label="Hide lesson"
          onClick={() => appStore.getState().actions.setLessonOpen(false)}
        >
          Hide
        </button>
      </header>
      <div className="lesson__text">
        <LessonText text={lesson.text} />
      </div>
      {hasButtons && (
        <div className="button-row">
          {lesson.training && (
            <button
              type="button"
              className="primary"
              title="Fills in the Training drawer; start the run there"
              onClick={() => applySettings(lesson)}
            >
              Train with these settings
            </button>
          )}
          {lesson.compare && (
            <button
              type="button"
              disabled={!hasHost}
              onClick={() => openTemplate(lesson.compare!.template, `“${lesson.compare!.label}”`)}
            >
              {lesson.compare.label}
            </button>
          )}
        </div>
      )}
    </section>
  );
}
