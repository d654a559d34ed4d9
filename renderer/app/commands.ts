// One place that runs each app command, whether it came from a toolbar button, a keyboard
// shortcut or the Electron menu.
import type { AppCommand } from '../../protocol/commands.ts';
import { fitCanvas } from '../canvas/viewport.ts';
import { appStore } from '../state/appStore.ts';
import { chooseProjectFile, saveProject } from './documentFlows.ts';
import { groupSelection, ungroupSelection } from './groupCommands.ts';
import { exportImage } from './imageExport.ts';
import { chooseOnnxFile, openOnnxExport } from './onnxFlows.ts';
import { openPytorchExport } from './pytorchFlows.ts';
import { confirmReplace } from './replaceGuard.ts';
import { autoLayout, groupRepeats, setAllCollapsed } from './viewCommands.ts';

export function runCommand(command: AppCommand): void {
  const { actions, summaryOpen, problemsOpen } = appStore.getState();
  switch (command) {
    case 'new':
      return confirmReplace('A new empty network', () => actions.newDocument());
    case 'templates':
      return actions.setGalleryOpen(true);
    case 'open':
      return confirmReplace('Opening a project file', chooseProjectFile);
    case 'save':
      return void saveProject();
    case 'undo':
      return actions.undo();
    case 'redo':
      return actions.redo();
    case 'copy':
      return actions.copySelection();
    case 'paste':
      return actions.paste();
    case 'duplicate':
      return actions.duplicateSelection();
    case 'delete':
      return actions.deleteSelection();
    case 'selectAll':
      return actions.selectAll();
    case 'autoLayout':
      return void autoLayout();
    case 'layoutDown':
      return void autoLayout('TB');
    case 'layoutRight':
      return void autoLayout('LR');
    case 'groupRepeats':
      return void groupRepeats();
    case 'expandAll':
      return void setAllCollapsed(false);
    case 'collapseAll':
      return void setAllCollapsed(true);
    case 'find':
      return actions.setSearchOpen(true);
    case 'toggleProblems':
      return actions.setProblemsOpen(!problemsOpen);
    case 'shortcuts':
      return actions.setShortcutsOpen(true);
    case 'fitView':
      return void fitCanvas();
    case 'toggleSummary':
      return actions.setSummaryOpen(!summaryOpen);
    case 'toggleTheme':
      return actions.toggleTheme();
    case 'togglePresentation':
      return actions.togglePresentation();
    case 'group':
      return void groupSelection();
    case 'ungroup':
      return ungroupSelection();
    case 'importOnnx':
      return confirmReplace('Importing an ONNX model', chooseOnnxFile);
    case 'exportOnnx':
      return openOnnxExport();
    case 'exportPytorch':
      return openPytorchExport();
    case 'exportPng':
      return void exportImage('png');
    case 'exportSvg':
      return void exportImage('svg');
  }
}
