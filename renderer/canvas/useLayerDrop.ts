// Palette -> canvas drag and drop (HTML5 dataTransfer), placed where the pointer lets go.
import { useReactFlow } from '@xyflow/react';
import type { DragEvent } from 'react';
import { useCallback } from 'react';
import { appStore } from '../state/appStore.ts';

export const LAYER_MIME = 'application/x-netwright-layer';

/** Roughly half a node, so the node lands centred under the pointer. */
const GRAB_OFFSET = { x: 105, y: 30 };

export function useLayerDrop() {
  const { screenToFlowPosition } = useReactFlow();

  const onDragOver = useCallback((e: DragEvent) => {
    if (!e.dataTransfer.types.includes(LAYER_MIME)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(LAYER_MIME);
      if (!type) return;
      e.preventDefault();
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      appStore
        .getState()
        .actions.addLayer(type, { x: Math.round(p.x - GRAB_OFFSET.x), y: Math.round(p.y - GRAB_OFFSET.y) });
    },
    [screenToFlowPosition],
  );

  return { onDragOver, onDrop };
}
