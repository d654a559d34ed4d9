// Templates added to assets/templates/ by make-templates.ts (kept apart so each lesson family
// lives in one file).
import type { TemplateSpec } from './make-templates.ts';

export const FILTER_TEMPLATES: Record<string, TemplateSpec> = {};
