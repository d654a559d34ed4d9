// Analysis must run on every edit: time it on 1,000-node graphs (a plain chain and a residual one).
import { analyze, GraphBuilder } from '../engine/index.ts';
import type { Graph } from '../engine/index.ts';

function chain(): Graph {
  const b = new GraphBuilder();
  let x = b.input([16, 64, 64]);
  for (let i = 0; i < 333; i++)
    x = b.chain(x, [['Conv2d', { out_channels: 16, kernel_size: 3, padding: 1 }], ['BatchNorm2d'], ['ReLU']]);
  return b.graph;
}

function residual(): Graph {
  const b = new GraphBuilder();
  let x = b.input([16, 64, 64]);
  while (b.graph.nodes.length < 1000) {
    const main = b.chain(x, [
      ['Conv2d', { out_channels: 16, kernel_size: 3, padding: 1 }],
      ['ReLU'],
      ['Conv2d', { out_channels: 16, kernel_size: 3, padding: 1 }],
    ]);
    x = b.add('Add', {}, [main, x]);
  }
  return b.graph;
}

export function benchAnalysis() {
  return [
    ['analysis-chain', chain()],
    ['analysis-residual', residual()],
  ].map(([bench, graph]) => {
    const g = graph as Graph;
    for (let i = 0; i < 5; i++) analyze(g);
    const times: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      analyze(g);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return {
      peer: 'netwright',
      bench: bench as string,
      nodes: g.nodes.length,
      runs: times.length,
      ms_median: times[15],
      ms_max: times[29],
    };
  });
}
