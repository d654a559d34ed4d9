// The Training drawer's height as the user dragged it: clamped so the canvas keeps a strip above
// it and the drawer keeps room for its charts; null means the default (CSS clamp on 44vh).

export const MIN_DRAWER = 240;
/** The rest of the window keeps at least this much: toolbar, status bar and a strip of canvas. */
export const CANVAS_KEEP = 240;

export function clampDrawer(height: number, windowHeight: number): number {
  return Math.round(Math.max(MIN_DRAWER, Math.min(height, windowHeight - CANVAS_KEEP)));
}

const KEY = 'netwright.trainingHeight';

export function loadDrawerHeight(): number | null {
  try {
    const v = Number(localStorage.getItem(KEY));
    return Number.isFinite(v) && v >= MIN_DRAWER ? v : null;
  } catch {
    return null;
  }
}

export function saveDrawerHeight(height: number | null): void {
  try {
    if (height === null) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, String(height));
  } catch {
    // Storage may be unavailable (private mode); the height simply isn't remembered.
  }
}
