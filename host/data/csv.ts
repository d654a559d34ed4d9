// A CSV file from disk; parsing and every format check are in engine/data/csv.ts.
import { basename } from 'node:path';
import { parseCsv, subset, type CsvOptions, type Dataset } from '../../engine/data/index.ts';
import { readText } from './files.ts';

export async function loadCsv(path: string, opts: CsvOptions & { limit?: number } = {}): Promise<Dataset> {
  // Parse under the full path so errors point at the file; the dataset keeps a short name.
  const ds = parseCsv(await readText(path), { ...opts, name: path });
  return subset({ ...ds, name: opts.name ?? basename(path) }, opts.limit);
}
