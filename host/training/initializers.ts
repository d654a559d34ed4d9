// The initializers are pure and live in engine/ so the renderer's inspector can draw the exact
// start a run will use; host code and the CLI keep importing them from here.
export * from '../../engine/initializers.ts';
