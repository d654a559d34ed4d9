// The layout shell: toolbar, palette | canvas | inspector, the summary drawer and the status bar.
import { ReactFlowProvider } from '@xyflow/react';
import { useEffect, useLayoutEffect } from 'react';
import { runCommand } from './commands.ts';
import { openProjectFile } from './documentFlows.ts';
import { commandForKey, isTextEntry } from './shortcuts.ts';
import { Canvas } from '../canvas/Canvas.tsx';
import { Inspector } from '../inspector/Inspector.tsx';
import { LessonPanel } from '../lessons/LessonPanel.tsx';
import { NoticeToast } from './NoticeToast.tsx';
import { Palette } from '../canvas/Palette.tsx';
import { RecoveryBanner } from './RecoveryBanner.tsx';
import { ReplaceDialog } from './ReplaceDialog.tsx';
import { ShortcutsDialog } from './ShortcutsDialog.tsx';
import { StatusBar } from './StatusBar.tsx';
import { SummaryPanel } from '../summary/SummaryPanel.tsx';
import { TemplateGallery } from '../lessons/TemplateGallery.tsx';
import { Toolbar } from './Toolbar.tsx';
import { TrainingPanel } from '../training/TrainingPanel.tsx';
import { useApp } from '../state/appStore.ts';
import { HiddenFileInput } from '../components/HiddenFileInput.tsx';

function useShortcuts() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTextEntry(e.target)) return;
      const command = commandForKey(e);
      if (!command) return;
      e.preventDefault();
      runCommand(command);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function App() {
  const theme = useApp((s) => s.theme);
  const presentation = useApp((s) => s.presentation);
  const summaryOpen = useApp((s) => s.summaryOpen);
  const galleryOpen = useApp((s) => s.galleryOpen);
  const ready = useApp((s) => s.recoveryChecked);
  const trainingOpen = useApp((s) => s.trainingOpen);
  const lessonOpen = useApp((s) => s.lessonOpen && s.doc.lesson !== undefined);
  useShortcuts();
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);
  // On <html>, because every font size is in rem: one attribute scales the whole UI. A layout
  // effect, so charts' effects (which read the root size for canvas text) see it already set.
  useLayoutEffect(() => {
    document.documentElement.dataset.presentation = presentation ? 'on' : 'off';
  }, [presentation]);

  return (
    <ReactFlowProvider>
      <div
        className="app"
        data-theme={theme}
        data-ready={ready}
        data-summary={summaryOpen}
        data-training={trainingOpen}
      >
        <Toolbar />
        <RecoveryBanner />
        <Palette />
        <Canvas />
        <div className="side">
          {lessonOpen && <LessonPanel />}
          <Inspector />
        </div>
        {summaryOpen && <SummaryPanel />}
        {trainingOpen && <TrainingPanel />}
        <StatusBar />
        {galleryOpen && <TemplateGallery />}
        <ReplaceDialog />
        <ShortcutsDialog />
        <NoticeToast />
        <HiddenFileInput
          role="open-project"
          accept=".netwright,.json,application/json,.onnx"
          label="Open project file"
          onFile={(f) => void openProjectFile(f)}
        />
      </div>
    </ReactFlowProvider>
  );
}
