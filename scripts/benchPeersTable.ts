// The one table `npm run bench:peers` prints: per model and mode the best samples/s of every peer
// over the rounds, Netwright's ratio to each, its GFLOP/s against the rooflines measured in the same
// run, and peak RSS beside PyTorch's.

/** One JSON line of any bench (Netwright's or a peer's), tagged with its round. */
export type Row = Record<string, unknown> & { peer?: string; model?: string; mode?: string; round?: number };

const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

/** The best (largest) value of `field` over the rows that match. */
function best(rows: Row[], match: (r: Row) => boolean, field: string): number | undefined {
  const xs = rows
    .filter(match)
    .map((r) => num(r[field]))
    .filter((x) => x !== undefined);
  return xs.length ? Math.max(...xs) : undefined;
}

const PEERS = {
  netwright: (r: Row) => r.peer === 'netwright',
  pytorch: (r: Row) => r.peer === 'pytorch-cpu',
  // numpy-bench.py's 'unset' rows: OpenBLAS's own kernel choice, 2 threads.
  numpy: (r: Row) => r.peer === 'numpy-openblas' && r.env_label === 'unset',
  tfjs: (r: Row) => r.peer === 'tfjs-wasm-simd-mt2',
};

const fmt = (x: number | undefined, digits = 0) =>
  x === undefined
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}×`;

function rooflines(rows: Row[]) {
  const roof = (r: Row) => r.peer === 'netwright' && r.kind === 'roofline';
  return {
    matmul: best(rows, roof, 'matmul_gflops'),
    conv: best(rows, roof, 'conv_gflops'),
    sgemm: best(rows, (r) => PEERS.numpy(r) && r.model === 'sgemm2048' && r.threads === 2, 'gflops'),
    corename: rows.find((r) => PEERS.numpy(r) && r.kind === 'blas_info')?.corename,
  };
}

export function peerTable(rows: Row[], models: string[], rounds: number): string {
  const roof = rooflines(rows);
  const out = [
    `Best of ${rounds} round(s), 2 threads, samples/s (median step of 20 after 3 warm-ups).`,
    `Rooflines in the same run: onnxruntime MatMul 2048 ${fmt(roof.matmul, 1)} GFLOP/s, 3x3 Conv ${fmt(roof.conv, 1)} GFLOP/s; ` +
      `NumPy sgemm 2048 ${fmt(roof.sgemm, 1)} GFLOP/s (OpenBLAS ${roof.corename ?? '?'}).`,
    '',
    '| model | mode | batch | Netwright | GFLOP/s (% MatMul, % sgemm) | PyTorch | ×PyTorch | NumPy | ×NumPy | TF.js wasm 2t | ×TF.js | peak RSS MB Netwright / PyTorch |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const model of models)
    for (const mode of ['train', 'infer']) {
      const at = (peer: (r: Row) => boolean) => (r: Row) => peer(r) && r.model === model && r.mode === mode;
      const sps = (peer: (r: Row) => boolean) => best(rows, at(peer), 'samples_per_s');
      const [nw, torch, numpy, tfjs] = [PEERS.netwright, PEERS.pytorch, PEERS.numpy, PEERS.tfjs].map(sps);
      const nwRow = rows.find(at(PEERS.netwright));
      const gflops =
        nw !== undefined && nwRow ? (nw * (num(nwRow.flops_per_sample) ?? NaN)) / 1e9 : undefined;
      const pct = (peak: number | undefined) =>
        gflops && peak ? `${((100 * gflops) / peak).toFixed(0)}%` : '—';
      // Peak RSS is a high-water mark: the largest over the rounds.
      const rss = (peer: (r: Row) => boolean) => fmt(best(rows, at(peer), 'peak_rss_mb'));
      out.push(
        `| ${model} | ${mode} | ${nwRow?.batch ?? '—'} | ${fmt(nw)} | ${fmt(gflops, 1)} (${pct(roof.matmul)}, ${pct(roof.sgemm)}) | ` +
          `${fmt(torch)} | ${ratio(nw, torch)} | ${fmt(numpy)} | ${ratio(nw, numpy)} | ${fmt(tfjs)} | ${ratio(nw, tfjs)} | ` +
          `${rss(PEERS.netwright)} / ${rss(PEERS.pytorch)} |`,
      );
    }
  return out.join('\n');
}
