// Where onnxruntime runs a session: the CPU, or the platform's GPU provider (CUDA on Linux and
// Windows, DirectML on Windows, CoreML on macOS). 'auto' and 'gpu' try the GPU first and fall back
// to the CPU with a one-line reason when its provider can't load (here: onnxruntime-node is
// installed without its CUDA libraries, see README "GPU"); 'cpu' never tries.
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderChoice } from '../../protocol/training.ts';

export type { ExecutionProviderChoice };

/** The provider a session actually runs on, and why it isn't the one asked for (if it isn't). */
export interface ProviderUse {
  provider: 'cpu' | 'cuda' | 'dml' | 'coreml';
  /** One line: which provider could not load, why, and what to do. */
  fallback?: string;
}

/** GPU providers to try, best first, on a platform. */
export function gpuProviders(platform: string): ('cuda' | 'dml' | 'coreml')[] {
  if (platform === 'darwin') return ['coreml'];
  if (platform === 'win32') return ['cuda', 'dml'];
  return ['cuda'];
}

const NAMES = { cuda: 'CUDA', dml: 'DirectML', coreml: 'CoreML' } as const;

/** onnxruntime's message, one line and short (it can carry a multi-line native trace). */
function firstLine(e: unknown): string {
  const text = (e as Error)?.message ?? String(e);
  return text.split('\n')[0].replace(/\s+/g, ' ').trim().slice(0, 160);
}

export type SessionFactory = (
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
) => Promise<ort.InferenceSession>;

/**
 * A session on the chosen provider. With 'auto' or 'gpu' each GPU provider of the platform is tried
 * in turn; if none loads, the session runs on the CPU and `use.fallback` says why.
 */
export async function createSession(
  bytes: Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  choice: ExecutionProviderChoice = 'cpu',
  platform: string = process.platform,
  create: SessionFactory = (b, o) => ort.InferenceSession.create(b, o),
): Promise<{ session: ort.InferenceSession; use: ProviderUse }> {
  const reasons: string[] = [];
  if (choice !== 'cpu')
    for (const provider of gpuProviders(platform)) {
      try {
        // A provider library that fails to load logs at error level first; the reason is reported below.
        const session = await create(bytes, {
          ...options,
          executionProviders: [provider],
          logSeverityLevel: 4,
        });
        return { session, use: { provider } };
      } catch (e) {
        reasons.push(`${NAMES[provider]}: ${firstLine(e)}`);
      }
    }
  const session = await create(bytes, { ...options, executionProviders: ['cpu'] });
  if (choice === 'cpu') return { session, use: { provider: 'cpu' } };
  const fallback = `Training on the CPU: no GPU provider could be loaded (${reasons.join('; ')}). ${
    platform === 'linux' || platform === 'win32'
      ? 'For CUDA, reinstall onnxruntime-node with its CUDA libraries (README, "GPU").'
      : 'CoreML needs macOS 10.15 or newer.'
  }`;
  return { session, use: { provider: 'cpu', fallback } };
}
