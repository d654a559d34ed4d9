// The one definition of what the renderer may ask the host (Node) to do. Each method lists the
// zod schemas of its arguments and result; the HostApi type is inferred from this table, so the
// WebSocket server, the Electron bridge and the renderer clients cannot drift apart.
// Adding a method (e.g. importOnnx(bytes) / exportOnnx(document) once engine/onnx lands) is one
// entry here plus its implementation in host/hostService.ts; the compiler points at the rest.
import { z } from 'zod';
// NOTE: protocol/ normally takes only types from engine/, but a document is validated with the
// engine's own validator on whichever side receives it, so both sides accept exactly the same files.
import { validateDocument } from '../engine/index.ts';

/** Project files larger than this are refused before parsing (a generous bound for weights). */
export const MAX_DOCUMENT_CHARS = 50_000_000;

const templateId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i, 'a template id is 1-64 letters, digits, - or _ (no paths)');

const documentText = z
  .string()
  .max(MAX_DOCUMENT_CHARS, `a project file may hold at most ${MAX_DOCUMENT_CHARS} characters`);

/** A project document, checked by the engine (format, version, layer types, attributes, edges). */
export const projectDocumentSchema = z.unknown().transform((raw, ctx) => {
  try {
    return validateDocument(raw);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

export const templateInfoSchema = z.object({
  id: templateId,
  name: z.string(),
  description: z.string(),
  nodeCount: z.number().int().min(0),
});
export type TemplateInfo = z.infer<typeof templateInfoSchema>;

export const autosaveSchema = z.object({ text: documentText, savedAt: z.string() });
export type Autosave = z.infer<typeof autosaveSchema>;

export const hostMethods = {
  /** Starter documents shipped in assets/templates. */
  listTemplates: { args: z.tuple([]), result: z.array(templateInfoSchema) },
  loadTemplate: { args: z.tuple([templateId]), result: projectDocumentSchema },
  /** Parses and validates a project file's text; fails with code 'invalid-document' naming the field. */
  parseProject: { args: z.tuple([documentText]), result: projectDocumentSchema },
  /** Crash recovery: the latest document text, written atomically by the host. */
  saveAutosave: { args: z.tuple([documentText]), result: z.object({ savedAt: z.string() }) },
  loadAutosave: { args: z.tuple([]), result: autosaveSchema.nullable() },
  clearAutosave: { args: z.tuple([]), result: z.null() },
};

export type HostMethods = typeof hostMethods;
export type HostMethod = keyof HostMethods;

export type HostApi = {
  [K in HostMethod]: (
    ...args: z.input<HostMethods[K]['args']>
  ) => Promise<z.output<HostMethods[K]['result']>>;
};

export const hostMethodNames = Object.keys(hostMethods) as HostMethod[];

export function isHostMethod(name: unknown): name is HostMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(hostMethods, name);
}

/** Stable error codes that cross the boundary (the message is for people, the code for code). */
export type HostErrorCode =
  | 'bad-request'
  | 'unknown-method'
  | 'invalid-document'
  | 'not-found'
  | 'forbidden'
  | 'disconnected'
  | 'bad-response'
  | 'internal';

/** The error a client sees: errors cross every transport as plain { code, message }. */
export class HostError extends Error {
  constructor(
    readonly code: HostErrorCode | string,
    message: string,
  ) {
    super(message);
    this.name = 'HostError';
  }
}
