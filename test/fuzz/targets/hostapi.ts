// Every HostApi method's arguments through the real browser-mode WebSocket server (and the real
// host service, trainer included): valid calls mutated (type swaps, missing and extra arguments,
// odd numbers and strings, deep nesting), malformed envelopes, and hand-made frames on a raw
// socket (invalid UTF-8, unmasked, binary, oversize, reserved opcodes). Documented outcomes: a
// result that passes the client's own validation, an error reply with a documented code, or (for
// protocol violations) that one connection closing while the server goes on serving.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type WebSocket from 'ws';
import { exportInference } from '../../../engine/index.ts';
import { encodeModel } from '../../../engine/onnx/proto.ts';
import { hostMethodNames, isHostMethod } from '../../../protocol/hostApi.ts';
import { unwrapOutcome } from '../../../protocol/rpc.ts';
import type { RunningServer } from '../../../server/index.ts';
import { startServer } from '../../../server/index.ts';
import { loadTemplate, templatesDir } from '../../helpers/templates.ts';
import { closed, frame, openSocket, rawSocket } from '../../helpers/wsClient.ts';
import { containers, int, pick, type FuzzTarget, type Rand } from '../target.ts';
import { tempDir } from '../../helpers/tempDir.ts';

interface Input {
  kind: 'call' | 'envelope' | 'raw';
  method?: string;
  /** The message text (call, envelope), or the raw bytes as hex. */
  text: string;
}

const DOCUMENTED = [
  'bad-request',
  'unknown-method',
  'invalid-document',
  'not-found',
  'busy',
  'cannot-train',
  'too-large',
  'too-slow',
  'invalid-onnx',
  'cancelled',
];
const MAX_MESSAGE = 1 << 20;

let server: RunningServer | undefined;
let ws: WebSocket;
let examples: Record<string, unknown[]> = {};
let nextId = 1;

const text = (name: string) => readFileSync(join(templatesDir, `${name}.netwright.json`), 'utf8');

async function connect(): Promise<void> {
  ws = await openSocket(server!);
  ws.on('error', () => undefined);
}

/** Sends a message on the main connection and waits for the reply with its id (or id null). */
function send(
  message: string,
  id: number | 'any',
): Promise<{ reply?: { outcome: unknown }; closedWith?: number }> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as { type: string; id: number | null; outcome: unknown };
      if (m.type !== 'response' || (id !== 'any' && m.id !== id && m.id !== null)) return;
      done();
      resolve({ reply: m });
    };
    const onClose = (code: number) => {
      done();
      resolve({ closedWith: code });
    };
    const done = () => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
    };
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.send(message);
  });
}

async function call(method: string, args: unknown[]): Promise<unknown> {
  const id = nextId++;
  const { reply } = await send(JSON.stringify({ type: 'request', id, method, args }), id);
  return unwrapOutcome(method as never, reply?.outcome);
}

/** One small real run, so run-based methods have something to find. */
async function trainOnce(): Promise<string> {
  const { runId } = (await call('startTraining', [examples.startTraining[0]])) as { runId: string };
  for (let i = 0; i < 600; i++) {
    try {
      await call('trainedWeights', [runId]);
      return runId;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('the setup run did not finish');
}

async function makeExamples(): Promise<void> {
  const spiral = JSON.parse(text('spiral-mlp'));
  const dataset = { kind: 'synthetic', generator: 'spiral', n: 200, classes: 3, seed: 1 };
  const config = {
    epochs: 1,
    batchSize: 50,
    loss: 'cross-entropy',
    optimizer: { kind: 'sgd' },
    lr: 0.1,
    seed: 1,
  };
  const onnx = Buffer.from(encodeModel(exportInference(loadTemplate('lenet5'), { seed: 1 }))).toString(
    'base64',
  );
  examples = {
    listTemplates: [],
    loadTemplate: ['lenet5'],
    parseProject: [text('mlp')],
    saveAutosave: [text('spiral-mlp')],
    loadAutosave: [],
    clearAutosave: [],
    importOnnx: [onnx, { fileName: 'lenet5.onnx' }],
    exportOnnx: [spiral, {}],
    startTraining: [{ document: spiral, dataset, config }],
    startRace: [
      {
        document: spiral,
        dataset,
        config,
        entries: [
          { label: 'a', optimizer: { kind: 'sgd' }, lr: 0.1 },
          { label: 'b', optimizer: { kind: 'adam' }, lr: 0.01 },
        ],
      },
    ],
    datasetPreview: [dataset, 4],
    addDataset: [
      {
        format: 'csv',
        files: [{ path: 'd.csv', base64: Buffer.from('a,b,c\n1,2,0\n3,4,1\n').toString('base64') }],
      },
    ],
  };
  const runId = await trainOnce();
  const { stepId } = (await call('stepThroughBatch', [{ runId }, { dataset, config }])) as { stepId: string };
  Object.assign(examples, {
    stopTraining: [runId],
    pauseTraining: [runId],
    resumeTraining: [runId],
    exportTrainedOnnx: [runId, { fp16: false }],
    trainedWeights: [runId],
    keepTrainedWeights: [runId],
    heldTensor: [{ weightsRef: 'held-0', nodeId: 'linear_1', param: 'weight', count: 4 }],
    editHeldWeights: [{ weightsRef: 'held-0', nodeId: 'linear_1', clear: true }],
    predict: [{ runId }, { data: [0.5, -0.5] }],
    activations: [
      { document: spiral, seed: 1 },
      { nodeId: 'linear_1', data: [0.1, 0.2] },
    ],
    stepThroughBatch: [{ runId }, { dataset, config }],
    stepThroughTensors: [{ stepId, nodeId: 'linear_2', sample: 0 }],
    gradcheckLayer: [{ stepId, nodeId: 'linear_1' }],
    evaluateRun: [runId],
  });
}

const ODD_VALUES: unknown[] = [
  null,
  0,
  -1,
  1e308,
  -0.5,
  2 ** 53 + 1,
  '',
  'x'.repeat(300),
  '\ud800',
  '💥',
  true,
  [],
  {},
  'run-zzzz',
  'step-1',
  'lenet5',
  'data-000000000000',
  '__proto__',
  '../x',
];
/** A fresh odd value (never a shared object that a later mutation could change). */
const odd = (rand: Rand): unknown => structuredClone(pick(rand, ODD_VALUES));

/** A placeholder the final text expands into deep nesting, so no JSON.stringify ever recurses that far. */
const DEEP = '\u0000deep\u0000';

function mutate(args: unknown[], rand: Rand): unknown[] {
  if (!Array.isArray(args)) return rand() < 0.5 ? [] : args;
  switch (int(rand, 0, 5)) {
    case 0:
      return args.slice(0, int(rand, 0, args.length));
    case 1:
      return [...args, odd(rand)];
    case 2:
      return structuredClone(pick(rand, [null, 'x', 7, { 0: 1 }])) as unknown as unknown[];
    default: {
      const all = containers(args, 3000);
      if (!all.length) return args;
      const box = pick(rand, all) as Record<string, unknown>;
      const keys = Object.keys(box);
      const key = keys.length ? pick(rand, keys) : '0';
      if (rand() < 0.15) box[key] = `${DEEP}${pick(rand, [10, 60, 80, 5000])}`;
      else if (rand() < 0.2) delete box[key];
      else box[key] = typeof box[key] === 'number' ? pick(rand, [0, -1, 1e9, 4096, 0.5, 2 ** 31]) : odd(rand);
      return args;
    }
  }
}

const expandDeep = (s: string) =>
  s.replace(/"\\u0000deep\\u0000(\d+)"/g, (_, n) => '['.repeat(Number(n)) + ']'.repeat(Number(n)));

const RAW: ((rand: Rand) => Buffer)[] = [
  () => frame(1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), // invalid UTF-8 text
  () => frame(1, Buffer.from('{"type":"request","id":1,"method":"listTemplates","args":[]}'), false), // unmasked
  (rand) => frame(2, Buffer.from(Array.from({ length: int(rand, 0, 64) }, () => int(rand, 0, 255)))), // binary
  () => frame(1, Buffer.alloc(MAX_MESSAGE + 16, 0x20)), // over the size limit
  (rand) => frame(pick(rand, [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), Buffer.from('x')), // reserved opcodes
  () => frame(9, Buffer.alloc(200)), // a ping over 125 bytes
  (rand) => Buffer.from(Array.from({ length: int(rand, 1, 200) }, () => int(rand, 0, 255))), // no framing at all
  () =>
    Buffer.concat([
      frame(1, Buffer.from('{"ty')).map((b, i) => (i === 0 ? 0x01 : b)),
      frame(2, Buffer.from('x')),
    ]), // bad continuation
];

export const target: FuzzTarget<Input> = {
  name: 'hostapi',
  outcomes: ['ok', ...DOCUMENTED.map((c) => `error:${c}`), 'closed', 'raw-closed', 'raw-answered'],
  async setup() {
    if (server) return;
    const dir = tempDir('nw-fuzz-host-');
    server = await startServer({
      port: 0,
      token: 'fuzz',
      root: dir,
      dataDir: dir,
      templatesDir,
      maxMessageBytes: MAX_MESSAGE,
    });
    await connect();
    await makeExamples();
    // The host's job thread starts on first use (about a second); start it here, not in a case.
    await call('parseProject', [text('mlp')]);
  },
  async teardown() {
    ws?.close();
    await server?.close();
    server = undefined;
  },
  generate(rand) {
    const r = rand();
    if (r < 0.08) return { kind: 'raw', text: pick(rand, RAW)(rand).toString('hex') };
    if (r < 0.2) {
      const junk = pick(rand, [
        () => JSON.stringify(odd(rand)),
        () => JSON.stringify({ type: 'request', id: odd(rand), method: 'listTemplates', args: [] }),
        () =>
          JSON.stringify({
            type: pick(rand, ['response', 'event', 'request', 7]),
            id: 1,
            method: odd(rand),
            args: odd(rand),
          }),
        () => `{"type":"request","id":3,"method":"listTemplates","args":${'['.repeat(int(rand, 60, 3000))}`,
        () => '{"type":"request","id":4,"method":"listTemplates","args":[]'.slice(0, int(rand, 0, 50)),
      ]);
      return { kind: 'envelope', text: junk() };
    }
    const method =
      rand() < 0.04 ? pick(rand, ['deleteAll', 'constructor', 'toString', '']) : pick(rand, hostMethodNames);
    let args = structuredClone(Object.hasOwn(examples, method) ? examples[method] : []);
    // Valid training starts are rare: each one starts a real run.
    const heavy = method === 'startTraining' || method === 'startRace';
    for (let j = heavy ? int(rand, 1, 3) : int(rand, 0, 3); j > 0; j--) args = mutate(args, rand);
    return { kind: 'call', method, text: JSON.stringify({ type: 'request', id: 0, method, args }) };
  },
  async run(input) {
    if (input.kind === 'raw') {
      const s = await rawSocket(server!);
      // The server either closes the connection or answers; a frame it waits on (a partial one)
      // gets 300 ms.
      // A close frame (0x88) means the server refused the frame; a text frame (0x81) is a reply.
      const answered = new Promise<'raw-answered' | 'raw-closed'>((resolve) =>
        s.once('data', (d: Buffer) => resolve(d[0] === 0x88 ? 'raw-closed' : 'raw-answered')),
      );
      const gone = closed(s).then(() => 'raw-closed' as const);
      s.write(Buffer.from(input.text, 'hex'));
      const outcome = await Promise.race([
        answered,
        gone,
        new Promise<'raw-answered'>((r) => setTimeout(() => r('raw-answered'), 300)),
      ]);
      s.destroy();
      await call('stopTraining', ['run-none']); // the server still serves (a cheap call)
      return outcome;
    }
    if (ws.readyState !== ws.OPEN) await connect();
    const id = nextId++;
    const message = expandDeep(input.text.replace('"id":0', `"id":${id}`));
    const { reply, closedWith } = await send(message, input.kind === 'call' ? id : 'any');
    if (closedWith !== undefined) {
      await connect();
      if (closedWith === 1009 && message.length > MAX_MESSAGE) return 'closed';
      throw new Error(
        `the server closed the connection (${closedWith}) on a message of ${message.length} characters`,
      );
    }
    const outcome = reply!.outcome as { ok: boolean; error?: { code: string; message: string } };
    if (!outcome.ok) {
      if (DOCUMENTED.includes(outcome.error!.code)) return `error:${outcome.error!.code}`;
      throw new Error(`undocumented error reply ${outcome.error!.code}: ${outcome.error!.message}`);
    }
    // A junk envelope may still be a well-formed request (an id of 0 is one).
    if (input.kind === 'envelope') return 'ok';
    if (!isHostMethod(input.method)) throw new Error(`the unknown method ${input.method} succeeded`);
    const result = unwrapOutcome(input.method, outcome) as { runId?: string; runs?: { runId: string }[] };
    // A run this case started is stopped at once, so runs don't pile up.
    for (const runId of [result?.runId, ...(result?.runs ?? []).map((r) => r.runId)])
      if ((input.method === 'startTraining' || input.method === 'startRace') && runId)
        await call('stopTraining', [runId]);
    return 'ok';
  },
  save: (input) => input,
  load: (saved) => saved as Input,
};
