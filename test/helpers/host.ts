// The real host service behind an in-memory RPC pair, as the page sees it: calls go through the
// protocol's validation both ways, and every pushed event is kept so a test can wait on a run.
import { after } from 'node:test';
import type { HostService, HostServiceOptions } from '../../host/hostService.ts';
import { createHostService } from '../../host/hostService.ts';
import type { HostApi } from '../../protocol/hostApi.ts';
import { TRANSFER_CHUNK_BYTES } from '../../protocol/projectFiles.ts';
import { connectRpc, memoryPortPair, serveRpc } from '../../protocol/rpc.ts';
import type { TrainingEvent, TrainingEventMessage } from '../../protocol/training.ts';

/** One training event the host pushed (it sends them in batches; here each stands alone). */
interface TrainingHostEvent {
  name: 'training';
  payload: TrainingEventMessage;
}

export interface ConnectedHost {
  service: HostService;
  client: HostApi;
  /** Every training event the host pushed, in order. */
  events: TrainingHostEvent[];
  /** One run's training events so far. */
  of(runId: string): TrainingEvent[];
  /**
   * Resolves with the run's events once `done` holds for them; rejects if the run fails first, so a
   * broken run fails the test at once instead of at its timeout.
   */
  until(runId: string, done: (events: TrainingEvent[]) => boolean): Promise<TrainingEvent[]>;
  /** `until` one of the run's events satisfies `pick`. */
  waitFor(runId: string, pick: (event: TrainingEvent) => boolean): Promise<TrainingEvent[]>;
  /** Resolves with the run's events once it reports finished or failed. */
  finished(runId: string): Promise<TrainingEvent[]>;
}

const ended = (e: TrainingEvent) => e.event === 'finished' || e.event === 'failed';

// Every host a test file made is closed (its runs stopped) after the file's tests, so a test that
// fails with a run still going — or paused — cannot keep the worker threads and the process alive.
const opened: HostService[] = [];
after(() => opened.splice(0).forEach((s) => s.close()));

// No autosave is read or written: the data dir does not exist.
export function connectedHost(options: HostServiceOptions = {}): ConnectedHost {
  const service = createHostService({ dataDir: '/nonexistent-netwright-test', ...options });
  opened.push(service);
  const [hostSide, clientSide] = memoryPortPair();
  serveRpc(service, hostSide, service);
  const events: TrainingHostEvent[] = [];
  const waiters: (() => void)[] = [];
  const client = connectRpc(clientSide, {
    onEvent: (e) => {
      if (e.name !== 'training') return;
      const { runId } = e.payload;
      events.push(
        ...e.payload.events.map((event) => ({ name: 'training' as const, payload: { runId, event } })),
      );
      waiters.splice(0).forEach((w) => w());
    },
  }).api;
  const of = (runId: string) => events.filter((e) => e.payload.runId === runId).map((e) => e.payload.event);
  const until = async (runId: string, done: (events: TrainingEvent[]) => boolean) => {
    for (;;) {
      const mine = of(runId);
      if (done(mine)) return mine;
      const failed = mine.find((e) => e.event === 'failed');
      if (failed) throw new Error(`${runId} failed: ${JSON.stringify(failed)}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const waitFor = (runId: string, pick: (event: TrainingEvent) => boolean) =>
    until(runId, (mine) => mine.some(pick));
  const finished = (runId: string) => waitFor(runId, ended);
  return { service, client, events, of, until, waitFor, finished };
}

/** A file the host offers (saveProject, exportOnnx), read whole with readTransfer, as Electron does. */
export async function readOffered(api: Pick<HostApi, 'readTransfer'>, transfer: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let offset = 0, done = false; !done;) {
    const chunk = await api.readTransfer({ transfer, offset, binary: true });
    const bytes = 'bytes' in chunk ? Buffer.from(chunk.bytes) : Buffer.from(chunk.base64, 'base64');
    parts.push(bytes);
    offset += bytes.length;
    done = chunk.done;
  }
  return Buffer.concat(parts);
}

type Uploads = Pick<HostApi, 'beginUpload' | 'uploadChunk'>;

/**
 * `bytes` sent to the host as the page sends a file outside browser mode: beginUpload, then
 * chunks of raw bytes, or of base64 for a client that sends only JSON text (`text`, wsHost).
 */
export async function uploadBytes(api: Uploads, bytes: Uint8Array, text = false): Promise<string> {
  const { transfer } = await api.beginUpload({ bytes: bytes.length });
  for (let offset = 0; offset < bytes.length; offset += TRANSFER_CHUNK_BYTES) {
    const chunk = bytes.subarray(offset, offset + TRANSFER_CHUNK_BYTES);
    await api.uploadChunk(
      text
        ? { transfer, offset, base64: Buffer.from(chunk).toString('base64') }
        : { transfer, offset, bytes: new Uint8Array(chunk) },
    );
  }
  return transfer;
}

/** An .onnx file's bytes imported as the page imports one: uploaded, then importOnnx. */
export async function importOnnxBytes(
  api: Uploads & Pick<HostApi, 'importOnnx'>,
  bytes: Uint8Array,
  options: { fileName?: string; job?: string; text?: boolean } = {},
): ReturnType<HostApi['importOnnx']> {
  const { text, ...rest } = options;
  return api.importOnnx({ transfer: await uploadBytes(api, bytes, text), ...rest });
}
