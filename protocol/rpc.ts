// Transport-agnostic request/response for HostApi over anything with send/onMessage (a WebSocket,
// a MessagePort, an in-memory pair in tests). The receiving side validates everything: the
// envelope, the method name and the arguments on the host; the result on the client.
import { z } from 'zod';
import { MAX_MESSAGE_DEPTH, valueDepth } from '../engine/index.ts';
import type { HostApi, HostEvent, HostEventSource, HostMethod } from './hostApi.ts';
import { HostError, hostMethodNames, hostMethods, isHostMethod, parseHostEvent } from './hostApi.ts';

export interface Port {
  send(message: unknown): void;
  /** Returns an unsubscribe function. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Called when the transport goes away, so pending calls fail instead of hanging. */
  onClose?(listener: () => void): void;
}

export const errorPayloadSchema = z.object({ code: z.string(), message: z.string() });
export type ErrorPayload = z.infer<typeof errorPayloadSchema>;

/** What one call produced; the Electron bridge returns this object as-is. */
export const outcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: errorPayloadSchema }),
]);
export type Outcome = z.infer<typeof outcomeSchema>;

const requestSchema = z.object({
  type: z.literal('request'),
  id: z.number().int().min(0),
  method: z.string(),
  args: z.array(z.unknown()),
});

const responseSchema = z.object({
  type: z.literal('response'),
  /** null when the request was too malformed to have an id. */
  id: z.number().int().min(0).nullable(),
  outcome: outcomeSchema,
});

/** A host-pushed message (training progress); its payload is checked with hostEvents. */
const eventSchema = z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() });

const fail = (code: string, message: string): Outcome => ({ ok: false, error: { code, message } });

/** A union branch's issue that says the value has another shape (a key missing or extra). */
const isShapeMismatch = (issue: z.core.$ZodIssue) =>
  issue.code === 'unrecognized_keys' || (issue.code === 'invalid_type' && issue.input === undefined);

/**
 * The issue to report. A union (a run's id or a document) reports only "Invalid input", so when
 * exactly one branch has the value's shape, that branch's own issue — which names the field — is
 * the one the sender needs.
 */
function innermostIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  const meant = issue.errors.filter((branch) => branch.length && !branch.some(isShapeMismatch));
  if (meant.length !== 1) return issue;
  const inner = innermostIssue(meant[0][0]);
  return { ...inner, path: [...issue.path, ...inner.path] };
}

function describeIssue(error: z.ZodError): string {
  const issue = innermostIssue(error.issues[0]);
  const at = issue.path.length ? `argument ${issue.path.map(String).join('.')}` : 'arguments';
  return `${at}: ${issue.message}`;
}

/** Any thrown value as { code, message }: HostErrors keep their code, DocumentErrors are 'invalid-document'. */
export function toErrorPayload(e: unknown): ErrorPayload {
  if (e instanceof HostError) return { code: e.code, message: e.message };
  if (e instanceof Error && e.name === 'DocumentError')
    return { code: 'invalid-document', message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/**
 * Host side of one call, shared by every transport (the WebSocket server, Electron's IPC
 * handlers, tests): checks the arguments' nesting (engine/limits.ts) before anything recursive
 * touches them, validates the method and arguments, runs it, and never throws or rejects.
 */
export async function dispatch(api: HostApi, method: unknown, args: unknown): Promise<Outcome> {
  try {
    return await dispatchChecked(api, method, args);
  } catch (e) {
    return { ok: false, error: toErrorPayload(e) };
  }
}

async function dispatchChecked(api: HostApi, method: unknown, args: unknown): Promise<Outcome> {
  if (!isHostMethod(method))
    return fail('unknown-method', `There is no host method ${JSON.stringify(String(method)).slice(0, 100)}.`);
  if (valueDepth(args, MAX_MESSAGE_DEPTH) > MAX_MESSAGE_DEPTH)
    return fail(
      'too-large',
      `${method}: the arguments nest more than ${MAX_MESSAGE_DEPTH} deep (MAX_MESSAGE_DEPTH); no request needs that.`,
    );
  const parsed = hostMethods[method].args.safeParse(args);
  if (!parsed.success) return fail('bad-request', `${method}: ${describeIssue(parsed.error)}`);
  try {
    const run = api[method] as (...a: unknown[]) => Promise<unknown>;
    return { ok: true, result: await run(...(parsed.data as unknown[])) };
  } catch (e) {
    return { ok: false, error: toErrorPayload(e) };
  }
}

/** Client side: turns an outcome into the validated result, or throws a HostError. */
export function unwrapOutcome<K extends HostMethod>(
  method: K,
  raw: unknown,
): Awaited<ReturnType<HostApi[K]>> {
  const outcome = outcomeSchema.safeParse(raw);
  if (!outcome.success) throw new HostError('bad-response', `${method}: the host sent a malformed reply.`);
  if (!outcome.data.ok) throw new HostError(outcome.data.error.code, outcome.data.error.message);
  const result = hostMethods[method].result.safeParse(outcome.data.result);
  if (!result.success)
    throw new HostError('bad-response', `${method}: unexpected result (${describeIssue(result.error)}).`);
  return result.data as Awaited<ReturnType<HostApi[K]>>;
}

/**
 * Serves `api` on a port, and pushes every event of `events` to it as { type: 'event', name,
 * payload } until the port closes; returns a function that stops both.
 */
export function serveRpc(api: HostApi, port: Port, events?: HostEventSource): () => void {
  const unsubscribe =
    events?.subscribe((e) => port.send({ type: 'event', name: e.name, payload: e.payload })) ??
    (() => undefined);
  port.onClose?.(unsubscribe);
  const stopListening = port.onMessage((message) => void answer(api, port, message));
  return () => {
    unsubscribe();
    stopListening();
  };
}

/** Replies to one message; never throws or rejects, whatever the message or the result is. */
async function answer(api: HostApi, port: Port, message: unknown): Promise<void> {
  const raw = (message as { id?: unknown } | null)?.id;
  const id = typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : null;
  const request = requestSchema.safeParse(message);
  const outcome = request.success
    ? await dispatch(api, request.data.method, request.data.args)
    : fail('bad-request', `Malformed request: ${describeIssue(request.error)}`);
  try {
    port.send({ type: 'response', id, outcome });
  } catch (e) {
    // The result could not be sent (too deep or too large to serialise, or the transport is
    // gone): the caller still gets an answer, if the transport can carry one.
    try {
      port.send({ type: 'response', id, outcome: { ok: false, error: toErrorPayload(e) } });
    } catch {
      // the transport is closed; nobody is waiting
    }
  }
}

export interface RpcClient {
  api: HostApi;
  /** Fails every pending call; later calls fail at once. */
  close(reason?: string): void;
}

export interface RpcOptions {
  timeoutMs?: number;
  /** Receives each host-pushed event that passes validation. */
  onEvent?: (event: HostEvent) => void;
}

/** A HostApi whose every method is a request over `port`. */
export function connectRpc(port: Port, options: RpcOptions = {}): RpcClient {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const pending = new Map<
    number,
    { method: HostMethod; resolve(v: unknown): void; reject(e: Error): void }
  >();
  let nextId = 0;
  let closedReason: string | null = null;

  port.onMessage((message) => {
    const pushed = eventSchema.safeParse(message);
    if (pushed.success) {
      const event = parseHostEvent(pushed.data);
      if (event) options.onEvent?.(event);
      return;
    }
    const response = responseSchema.safeParse(message);
    if (!response.success || response.data.id === null) return; // not ours to settle
    const call = pending.get(response.data.id);
    if (!call) return;
    pending.delete(response.data.id);
    try {
      call.resolve(unwrapOutcome(call.method, response.data.outcome));
    } catch (e) {
      call.reject(e as Error);
    }
  });

  const close = (reason = 'The connection to the Netwright host closed.') => {
    closedReason = reason;
    for (const call of pending.values()) call.reject(new HostError('disconnected', reason));
    pending.clear();
  };
  port.onClose?.(() => close());

  const call = (method: HostMethod, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (closedReason !== null) return reject(new HostError('disconnected', closedReason));
      const id = nextId++;
      const timer = setTimeout(() => {
        if (pending.delete(id))
          reject(new HostError('disconnected', `${method}: no reply in ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      pending.set(id, {
        method,
        resolve: (v) => (clearTimeout(timer), resolve(v)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      try {
        port.send({ type: 'request', id, method, args });
      } catch (e) {
        // The transport refused the message (too large, closed): this call fails, others go on.
        pending.get(id)?.reject(e instanceof HostError ? e : new HostError('bad-request', String(e)));
        pending.delete(id);
      }
    });

  const api = Object.fromEntries(
    hostMethodNames.map((m) => [m, (...args: unknown[]) => call(m, args)]),
  ) as unknown as HostApi;
  return { api, close };
}

/** Two connected in-memory ports (tests, and hosting in the same process). */
export function memoryPortPair(): [Port, Port] {
  const listeners: [Set<(m: unknown) => void>, Set<(m: unknown) => void>] = [new Set(), new Set()];
  const make = (mine: 0 | 1): Port => ({
    // structuredClone mimics a real transport: no shared objects cross.
    send: (m) => queueMicrotask(() => listeners[1 - mine].forEach((l) => l(structuredClone(m)))),
    onMessage: (l) => {
      listeners[mine].add(l);
      return () => listeners[mine].delete(l);
    },
  });
  return [make(0), make(1)];
}
