// Starter documents: every assets/templates/<id>.netwright.json file is a template whose id is
// the file name. Ids are checked by the protocol schema (no slashes), so no path can escape the folder.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectDocument } from '../engine/index.ts';
import { parseDocument } from '../engine/index.ts';
import type { TemplateInfo } from '../protocol/hostApi.ts';
import { HostError } from '../protocol/hostApi.ts';
import { lessonOf } from '../protocol/lesson.ts';

const SUFFIX = '.netwright.json';

/**
 * What the gallery shows of each template file, kept until the file changes: parsing and checking
 * all ~40 documents took tens of milliseconds of the event loop on every call.
 */
const infoCache = new Map<string, { mtimeMs: number; size: number; info: TemplateInfo | null }>();

async function templateInfo(dir: string, file: string): Promise<TemplateInfo | null> {
  const path = join(dir, file);
  const { mtimeMs, size } = await stat(path);
  const cached = infoCache.get(path);
  if (cached && cached.mtimeMs === mtimeMs && cached.size === size) return cached.info;
  let info: TemplateInfo | null = null;
  try {
    const doc = parseDocument(await readFile(path, 'utf8'));
    const lesson = lessonOf(doc.lesson);
    info = {
      id: file.slice(0, -SUFFIX.length),
      name: doc.name,
      description: doc.description ?? '',
      nodeCount: doc.graph.nodes.length,
      ...(lesson ? { lesson: lesson.title } : {}),
      ...(lesson?.order ? { order: lesson.order } : {}),
    };
  } catch (e) {
    // One broken template must not empty the gallery; say which one in the host's log.
    console.warn(`Skipping template ${file}: ${(e as Error).message}`);
  }
  infoCache.set(path, { mtimeMs, size, info });
  return info;
}

export async function listTemplates(dir: string): Promise<TemplateInfo[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith(SUFFIX)).sort();
  } catch {
    return []; // no templates folder yet: an empty gallery, not an error
  }
  const infos: TemplateInfo[] = [];
  for (const file of files) {
    const info = await templateInfo(dir, file).catch(() => null); // removed meanwhile
    if (info) infos.push(info);
  }
  return infos;
}

export async function loadTemplate(dir: string, id: string): Promise<ProjectDocument> {
  let text: string;
  try {
    text = await readFile(join(dir, id + SUFFIX), 'utf8');
  } catch {
    throw new HostError('not-found', `There is no template '${id}'.`);
  }
  try {
    return parseDocument(text);
  } catch (e) {
    throw new HostError('invalid-document', `Template '${id}' is damaged: ${(e as Error).message}`);
  }
}
