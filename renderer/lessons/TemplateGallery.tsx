// "New from template": the host lists assets/templates, the lessons as a course first, then the
// templates without a lesson; picking one replaces the document (after asking, when the open one
// has unsaved changes).
import './lesson.css';
import { useEffect, useState } from 'react';
import type { TemplateInfo } from '../../protocol/hostApi.ts';
import { openTemplate } from '../app/documentFlows.ts';
import { appStore, useApp } from '../state/appStore.ts';
import { Modal } from '../components/Modal.tsx';
import { gallerySections } from './gallery.ts';

export function TemplateGallery() {
  const host = useApp((s) => s.host);
  const [templates, setTemplates] = useState<TemplateInfo[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const close = () => appStore.getState().actions.setGalleryOpen(false);
  const { lessons, templates: plain } = gallerySections(templates ?? []);

  useEffect(() => {
    if (!host) return setProblem('Templates come from the Netwright host, which is not connected.');
    host.listTemplates().then(setTemplates, (e: Error) => setProblem(e.message));
  }, [host]);

  return (
    <Modal label="Templates" onClose={close}>
      <h2>New from template</h2>
      {problem && <p className="danger">{problem}</p>}
      {!problem && templates === null && <p className="muted">Loading…</p>}
      {lessons.length > 0 && (
        <>
          <h3 className="gallery__heading">Lessons</h3>
          <ol className="gallery">
            {lessons.map((t, i) => (
              <li key={t.id}>
                <button
                  type="button"
                  className="gallery__item gallery__item--lesson"
                  aria-label={`Lesson: ${t.lesson}`}
                  onClick={() => openTemplate(t.id, `The lesson “${t.lesson}”`)}
                >
                  <span className="gallery__meta">Lesson {i + 1}</span>
                  <strong>{t.lesson}</strong>
                  <span className="muted">{t.description}</span>
                  <span className="gallery__meta">
                    {t.name === t.lesson ? '' : `${t.name} · `}
                    {t.nodeCount} layers
                  </span>
                </button>
              </li>
            ))}
          </ol>
          <h3 className="gallery__heading">Templates</h3>
        </>
      )}
      {templates?.length === 0 && (
        <p className="muted">No templates are installed (assets/templates is empty).</p>
      )}
      <ul className="gallery">
        {plain.map((t) => (
          <li key={t.id}>
            <button
              type="button"
              className="gallery__item"
              aria-label={t.name}
              onClick={() => openTemplate(t.id, `The template “${t.name}”`)}
            >
              <strong>{t.name}</strong>
              <span className="muted">{t.description}</span>
              <span className="gallery__meta">{t.nodeCount} layers</span>
            </button>
          </li>
        ))}
      </ul>
      <div className="button-row">
        <button type="button" onClick={close} autoFocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
