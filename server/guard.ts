// Who may talk to the browser-mode server. Any web page the user visits can try to reach
// 127.0.0.1, so the WebSocket needs the per-launch token AND a same-origin Origin header, and
// every request must name our host in its Host header (which defeats DNS rebinding).
import { timingSafeEqual } from 'node:crypto';

export interface Rejection {
  status: 400 | 401 | 403 | 404;
  reason: string;
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function hostProblem(hostHeader: string | undefined, port: number): Rejection | null {
  return hostHeader && allowedHosts(port).includes(hostHeader.toLowerCase())
    ? null
    : { status: 403, reason: `Host ${JSON.stringify(hostHeader ?? '')} is not this server.` };
}

/** Checks a WebSocket upgrade request; null means accept. */
export function upgradeProblem(
  request: { url?: string; headers: { host?: string; origin?: string } },
  expected: { port: number; token: string },
): Rejection | null {
  const host = hostProblem(request.headers.host, expected.port);
  if (host) return host;
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  if (url.pathname !== '/rpc') return { status: 404, reason: 'The only WebSocket endpoint is /rpc.' };
  const origin = request.headers.origin;
  if (!origin || !allowedOrigins(expected.port).includes(origin))
    return { status: 403, reason: `Origin ${JSON.stringify(origin ?? '')} may not use this server.` };
  const token = url.searchParams.get('token') ?? '';
  if (!sameSecret(token, expected.token)) return { status: 401, reason: 'Missing or wrong token.' };
  return null;
}
