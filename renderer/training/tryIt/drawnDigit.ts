// The digit last drawn under Try it (28x28, 0..1), so the feature-maps viewer can show what the
// network does with the same drawing. Kept beside the app store: it is a scratch input, not part
// of the document and not worth an undo step.
import { createStore } from 'zustand/vanilla';

export const drawnDigit = createStore<{ pixels: Float32Array | null }>(() => ({ pixels: null }));
