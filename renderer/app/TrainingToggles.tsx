// Toolbar buttons for the Training drawer and, when the document has one, its lesson.
import { appStore, useApp } from '../state/appStore.ts';

export function TrainingToggles() {
  const trainingOpen = useApp((s) => s.trainingOpen);
  const hasLesson = useApp((s) => s.doc.lesson !== undefined);
  const lessonOpen = useApp((s) => s.lessonOpen);
  const running = useApp((s) => s.training.status === 'running');
  const { actions } = appStore.getState();
  return (
    <>
      {hasLesson && (
        <button
          type="button"
          className="toggle"
          aria-pressed={lessonOpen}
          title="This document's lesson"
          onClick={() => actions.setLessonOpen(!lessonOpen)}
        >
          Lesson
        </button>
      )}
      <button
        type="button"
        className="toggle"
        aria-pressed={trainingOpen}
        title="Train this network on MNIST or a 2-D set, watch it learn, try it"
        onClick={() => actions.setTrainingOpen(!trainingOpen)}
      >
        {running ? 'Train ●' : 'Train'}
      </button>
    </>
  );
}
