// The Node implementation of HostApi, shared by the Electron main process and the browser-mode
// server. What differs between those hosts (where the data lives) is passed in, not branched on.
import { parseDocument } from '../engine/index.ts';
import type { HostApi } from '../protocol/hostApi.ts';
import { clearAutosave, loadAutosave, saveAutosave } from './autosave.ts';
import { defaultDataDir, defaultTemplatesDir } from './paths.ts';
import { listTemplates, loadTemplate } from './templates.ts';

export interface HostServiceOptions {
  templatesDir?: string;
  /** Per-user directory for the autosave. */
  dataDir?: string;
}

export function createHostService(options: HostServiceOptions = {}): HostApi {
  const templatesDir = options.templatesDir ?? defaultTemplatesDir;
  const dataDir = options.dataDir ?? defaultDataDir();
  return {
    listTemplates: () => listTemplates(templatesDir),
    loadTemplate: (id) => loadTemplate(templatesDir, id),
    parseProject: async (text) => parseDocument(text),
    saveAutosave: (text) => saveAutosave(dataDir, text),
    loadAutosave: () => loadAutosave(dataDir),
    clearAutosave: () => clearAutosave(dataDir),
  } satisfies HostApi;
}
