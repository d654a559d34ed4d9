// Going to a layer from Find or the Problems panel: a collapsed block holding it is expanded in
// place (one undo step), the layer is selected, ringed and centred at a readable zoom.
import { setGroupCollapsed } from '../app/groupCommands.ts';
import { appStore } from '../state/appStore.ts';
import { groupOfNode } from '../state/groups.ts';
import { showNode } from './viewport.ts';

const nextFrame = () => new Promise<void>((r) => requestAnimationFrame(() => r()));

export async function goToNode(id: string): Promise<void> {
  const { doc, actions } = appStore.getState();
  if (!doc.graph.nodes.some((n) => n.id === id)) return;
  const group = groupOfNode(doc, id);
  if (group?.collapsed) setGroupCollapsed(group.id, false);
  actions.select({ nodes: [id], edges: [] });
  actions.setFound(id);
  // React Flow places a node a frame or two after it enters the document's view.
  for (let i = 0; i < 20; i++) {
    await nextFrame();
    if (await showNode(id)) return;
  }
}
