// The engine's ONNX surface: the codec (ONNX bytes <-> OnnxModel), its types and tensor helpers,
// and the importer. Code outside engine/ imports ONNX from here; it is apart from engine/index.ts
// so that code which never reads or writes ONNX bytes (the renderer) does not load protobufjs.
export * from './proto.ts';
export * from './import.ts';
