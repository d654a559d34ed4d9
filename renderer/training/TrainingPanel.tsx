// The Training drawer: data and hyperparameters on the left, the run with its live charts in the
// middle, "try it" on the right. Gradient badges appear on the canvas above after each epoch.
import './training.css';
import { useRef, useState } from 'react';
import { DrawerSplitter } from '../components/DrawerSplitter.tsx';
import { clampDrawer, loadDrawerHeight, saveDrawerHeight } from '../components/drawerHeight.ts';
import { TrainingDataset } from './TrainingDataset.tsx';
import { appStore, useApp } from '../state/appStore.ts';
import { StepThrough } from './stepThrough/StepThrough.tsx';
import { TrainingRace } from './race/TrainingRace.tsx';
import { TrainingRun } from './TrainingRun.tsx';
import { TrainingSettings } from './TrainingSettings.tsx';
import { TryIt } from './tryIt/TryIt.tsx';
import { scaleGradient } from '../components/gradientColor.ts';

function BadgeLegend() {
  const strip = <span className="badge-legend__strip" style={{ background: scaleGradient() }} />;
  return (
    <div className="badge-legend" aria-label="Badge colours">
      <span>Badges on the canvas, after each epoch:</span>
      <span>
        <b>∇</b> mean gradient norm 1e-8 {strip} 10
      </span>
      <span>
        <b>ΔW/W</b> weight change over the epoch 1e-6 {strip} 1
      </span>
    </div>
  );
}

const MODES = [
  ['single', 'One run'],
  ['race', 'Optimizer race'],
  ['step', 'Step through'],
] as const;

function ModeSwitch() {
  const mode = useApp((s) => s.trainingMode);
  const { actions } = appStore.getState();
  return (
    <div className="training-modes">
      <div role="group" aria-label="Training mode" className="training-modes__group">
        {MODES.map(([value, label]) => (
          <button
            key={value}
            type="button"
            className="toggle"
            aria-pressed={mode === value}
            onClick={() => actions.setTrainingMode(value)}
          >
            {label}
          </button>
        ))}
      </div>
      <button type="button" className="link-button" onClick={() => actions.setTrainingOpen(false)}>
        Close
      </button>
    </div>
  );
}

export function TrainingPanel() {
  const mode = useApp((s) => s.trainingMode);
  const section = useRef<HTMLElement>(null);
  const [height, setHeight] = useState<number | null>(loadDrawerHeight);
  const resize = (h: number | null) => {
    setHeight(h);
    saveDrawerHeight(h);
  };
  return (
    <section
      className="training"
      role="region"
      aria-label="Training"
      ref={section}
      style={height === null ? undefined : { height: clampDrawer(height, window.innerHeight) }}
    >
      <DrawerSplitter
        label="Resize the Training drawer"
        height={height}
        measure={() => section.current?.getBoundingClientRect().height ?? 0}
        onChange={resize}
      />
      <div className="training__setup">
        <TrainingDataset />
        <TrainingSettings />
      </div>
      <div className="training__main">
        <ModeSwitch />
        {mode === 'single' ? (
          <>
            <TrainingRun />
            <BadgeLegend />
          </>
        ) : mode === 'race' ? (
          <TrainingRace />
        ) : (
          <StepThrough />
        )}
      </div>
      <div className="training__try">
        <TryIt />
      </div>
    </section>
  );
}
