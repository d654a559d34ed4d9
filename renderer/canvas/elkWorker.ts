// Layout runs in a Web Worker: ELK takes a second or more on a graph of a thousand layers, and on
// the page's own thread that second would freeze every click and frame.
import ELK from 'elkjs/lib/elk-api.js';
import workerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { setElkFactory } from '../../engine/graph/layout.ts';

export function layoutOffThePage(): void {
  setElkFactory(() => new ELK({ workerFactory: () => new Worker(workerUrl) }));
}
