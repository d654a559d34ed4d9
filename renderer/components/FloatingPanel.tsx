// A panel that floats over the canvas with a title and a Close link (the receptive-field viewer,
// feature maps): one look and one structure, each panel adding only its place and contents.
// It is drawn into the page's body: the inspector that opens it contains its own paint
// (`contain: layout paint`, for fast canvas drags), which would clip a fixed panel inside it.
import './floatingPanel.css';
import type { ReactNode } from 'react';
import { createPortal } from 'react-dom';

interface Props {
  /** The panel's own class, for its place and size. */
  className: string;
  /** The region's accessible name. */
  label: string;
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
}

export function FloatingPanel({ className, label, title, onClose, children }: Props) {
  return createPortal(
    <section
      className={`floating-panel ${className}`}
      role="region"
      aria-label={label}
      data-canvas-overlay=""
    >
      <header className="floating-panel__header">
        <h3>{title}</h3>
        <button type="button" className="link-button" onClick={onClose}>
          Close
        </button>
      </header>
      {children}
    </section>,
    document.body,
  );
}
