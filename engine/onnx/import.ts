// ONNX import: an .onnx model as an editable Netwright project (see import/importer.ts). Layers
// declare their own import patterns (`fromOnnx` in each layer file); anything else becomes an
// opaque OnnxOp node that exports back unchanged.
export { importModel, importOnnx, ImportError } from './import/importer.ts';
export type { ImportOptions, ImportReport, ImportResult } from './import/importer.ts';
export type { NodeView, OnnxImport, OnnxMatch, ValueView } from './import/view.ts';
