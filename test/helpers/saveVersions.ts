// The versions the SIGKILL-during-save test writes: each one whole and recognisable, so a torn
// or mixed file can't pass for a version.

/** Version `n` of a file of `size` bytes: a header, a body derived from n, and a trailer. */
export function versionText(n: number, size: number): string {
  const head = `version ${n}\n`;
  const tail = `\nend ${n}\n`;
  const unit = `${n.toString(36)}-`;
  const body = unit.repeat(Math.ceil((size - head.length - tail.length) / unit.length));
  return head + body.slice(0, Math.max(0, size - head.length - tail.length)) + tail;
}

/** The version a file's text is, or null when it is not exactly one of them. */
export function whichVersion(text: string, size: number): number | null {
  const m = /^version (\d+)\n/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  return text === versionText(n, size) ? n : null;
}
