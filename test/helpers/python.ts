// Real PyTorch as an oracle: tests run a Python script with Debian's /usr/bin/python3 (python3-torch
// 1.13, python3-torchvision 0.14, python3-onnx 1.12) and compare its numbers with ours.
// Where torch is missing a test skips and says why; CI sets NETWRIGHT_REQUIRE_TORCH=1 (.ci/run), so
// there a missing torch fails the test instead of hiding it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

export const PYTHON = process.env.NETWRIGHT_PYTHON ?? '/usr/bin/python3';

let probe: string | null | undefined;

/** null when `import torch, torchvision, onnx` works, else the reason it doesn't. */
export function torchMissing(): string | null {
  if (probe !== undefined) return probe;
  if (!existsSync(PYTHON)) return (probe = `no ${PYTHON}`);
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision, onnx'], { encoding: 'utf8' });
  probe =
    r.status === 0
      ? null
      : `${PYTHON} cannot import torch, torchvision and onnx ` +
        `(apt-get install -y python3-torch python3-torchvision python3-onnx): ${r.stderr.trim().split('\n').pop()}`;
  return probe;
}

/**
 * Skips the test with the reason when PyTorch is missing and returns false; throws instead when
 * NETWRIGHT_REQUIRE_TORCH is set, so CI can't pass by skipping.
 */
export function needTorch(t: TestContext): boolean {
  const why = torchMissing();
  if (why === null) return true;
  if (process.env.NETWRIGHT_REQUIRE_TORCH) throw new Error(`PyTorch is required here: ${why}`);
  t.skip(`needs PyTorch: ${why}`);
  return false;
}

export interface PythonResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` (Python source) with `args`; throws with its stderr when it exits non-zero.
 * One thread and a fixed seed make PyTorch's numbers repeatable.
 */
export function runPython(
  script: string,
  args: string[] = [],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): PythonResult {
  const r = spawnSync(PYTHON, ['-c', script, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONHASHSEED: '0', ...options.env },
  });
  if (r.error) throw r.error;
  if (r.status !== 0)
    throw new Error(`python exited with ${r.status ?? r.signal}:\n${r.stderr.slice(-4000)}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** runPython, with the script's last stdout line parsed as JSON. */
export function runPythonJson<T = unknown>(
  script: string,
  args: string[] = [],
  options?: Parameters<typeof runPython>[2],
): T {
  const lines = runPython(script, args, options).stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as T;
}
