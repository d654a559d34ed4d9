// A layer's port, drawn with React Flow's Handle markup (the classes and data attributes React
// Flow measures ports by and finds a connection's end by) but without its store subscription.
// React Flow's Handle watches whether a connection is being made from or to it, so each store
// update ran one selector per port: three per layer, some 540 in ResNet-50 on each frame of a
// drag, and 861 Handles mounted when a 1,000-layer graph opened (docs/canvas-performance.md, fifth
// pass). What it would show while connecting (classes our styles don't use) is all that is left
// out; pressing a port starts a connection, as with Handle. (React Flow's click-to-connect did not
// work on this canvas with Handle either, and is not offered.)
import { Position, useStoreApi } from '@xyflow/react';
import type { Connection } from '@xyflow/react';
import { isMouseEvent, XYHandle } from '@xyflow/system';
import type { CSSProperties, MouseEvent as ReactMouseEvent, TouchEvent as ReactTouchEvent } from 'react';
import { inHandle, outHandle } from './ports.ts';

type FlowStore = ReturnType<typeof useStoreApi>;

interface PortProps {
  nodeId: string;
  type: 'source' | 'target';
  id: string;
  position: Position;
  style?: CSSProperties;
}

/** Hands a finished connection to the canvas's onConnect, with the default edge options. */
const connect = (store: FlowStore) => (params: Connection) => {
  const { defaultEdgeOptions, onConnect } = store.getState();
  onConnect?.({ ...defaultEdgeOptions, ...params });
};

/** A press on a port starts dragging a connection from it (React Flow's own connection logic). */
function startConnection(store: FlowStore, event: ReactMouseEvent | ReactTouchEvent, port: PortProps): void {
  const native = event.nativeEvent;
  if (isMouseEvent(native) && native.button !== 0) return;
  const s = store.getState();
  XYHandle.onPointerDown(native, {
    handleDomNode: event.currentTarget,
    autoPanOnConnect: s.autoPanOnConnect,
    connectionMode: s.connectionMode,
    connectionRadius: s.connectionRadius,
    domNode: s.domNode,
    nodeLookup: s.nodeLookup,
    lib: s.lib,
    isTarget: port.type === 'target',
    handleId: port.id,
    nodeId: port.nodeId,
    flowId: s.rfId,
    panBy: s.panBy,
    cancelConnection: s.cancelConnection,
    onConnectStart: s.onConnectStart,
    onConnectEnd: (...args) => store.getState().onConnectEnd?.(...args),
    updateConnection: s.updateConnection,
    onConnect: connect(store),
    isValidConnection: (c) => store.getState().isValidConnection?.(c) ?? true,
    getTransform: () => store.getState().transform,
    getFromHandle: () => store.getState().connection.fromHandle,
    autoPanSpeed: s.autoPanSpeed,
    dragThreshold: s.connectionDragThreshold,
  });
}

function Port(port: PortProps) {
  const store = useStoreApi();
  // Read once, not subscribed: neither changes while the canvas is mounted.
  const { rfId, noPanClassName } = store.getState();
  const { nodeId, type, id, position, style } = port;
  const className = [
    'react-flow__handle',
    `react-flow__handle-${position}`,
    'nodrag',
    noPanClassName,
    type,
    // Handle's classes while no connection is being made.
    'connectable connectablestart connectableend connectionindicator',
  ].join(' ');
  const press = (event: ReactMouseEvent | ReactTouchEvent) => startConnection(store, event, port);
  return (
    <div
      data-handleid={id}
      data-nodeid={nodeId}
      data-handlepos={position}
      data-id={`${rfId}-${nodeId}-${id}-${type}`}
      className={className}
      style={style}
      onMouseDown={press}
      onTouchStart={press}
    />
  );
}

/** A layer's input ports, spread along its top (left, laid out left to right). */
export function InputPorts({
  nodeId,
  count,
  direction,
}: {
  nodeId: string;
  count: number;
  direction: 'TB' | 'LR';
}) {
  const side = direction === 'LR' ? Position.Left : Position.Top;
  return (
    <>
      {Array.from({ length: count }, (_, i) => {
        const at = `${((i + 1) / (count + 1)) * 100}%`;
        return (
          <Port
            key={i}
            nodeId={nodeId}
            type="target"
            id={inHandle(i)}
            position={side}
            style={direction === 'LR' ? { top: at } : { left: at }}
          />
        );
      })}
    </>
  );
}

/** A layer's output port, centred on the side opposite its inputs. */
export function OutputPort({ nodeId, direction }: { nodeId: string; direction: 'TB' | 'LR' }) {
  const side = direction === 'LR' ? Position.Right : Position.Bottom;
  return <Port nodeId={nodeId} type="source" id={outHandle(0)} position={side} />;
}
