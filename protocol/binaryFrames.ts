// Messages that carry raw bytes (a chunk of a file crossing in a transfer) go over the browser-mode
// WebSocket as one binary frame instead of base64 inside JSON text: a third smaller, and neither
// side encodes or decodes base64. Electron's IPC clones Uint8Arrays as they are and needs none.
// The browser-mode page itself moves whole files over HTTP instead (server/transferRoutes.ts);
// these frames serve readTransfer/uploadChunk for any other WebSocket client.
//
// Frame: u32 little-endian length of the JSON header, the header (UTF-8), then the bytes. The
// header is the message with its one Uint8Array replaced by {"$bytes": <length>}.

const MARK = '$bytes';

/** Text for a message without bytes; a binary frame for one with a Uint8Array in it. */
export function encodeFrame(message: unknown): string | Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array | null = null;
  const header = JSON.stringify(message, (_key, value: unknown) => {
    if (!(value instanceof Uint8Array)) return value;
    if (bytes) throw new Error('a message carries at most one byte array');
    bytes = value;
    return { [MARK]: value.length };
  });
  if (!bytes) return header;
  const body = bytes as Uint8Array;
  const head = new TextEncoder().encode(header);
  const frame = new Uint8Array(4 + head.length + body.length);
  new DataView(frame.buffer).setUint32(0, head.length, true);
  frame.set(head, 4);
  frame.set(body, 4 + head.length);
  return frame;
}

/** The header's text and the bytes of a binary frame; null when it is not one. */
export function splitFrame(frame: Uint8Array): { header: string; bytes: Uint8Array } | null {
  if (frame.length < 4) return null;
  const n = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
  if (4 + n > frame.length) return null;
  const header = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + n));
  return { header, bytes: frame.subarray(4 + n) };
}

/** The message of a split frame: its header parsed, the bytes put back where the marker stands. */
export function joinFrame(parsed: unknown, bytes: Uint8Array): unknown {
  let placed = false;
  const put = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const keys = Object.keys(v);
    if (
      !placed &&
      keys.length === 1 &&
      keys[0] === MARK &&
      (v as Record<string, unknown>)[MARK] === bytes.length
    ) {
      placed = true;
      return bytes;
    }
    for (const k of keys) (v as Record<string, unknown>)[k] = put((v as Record<string, unknown>)[k]);
    return v;
  };
  const out = put(parsed);
  if (!placed) throw new Error('the binary frame names no place for its bytes');
  return out;
}
