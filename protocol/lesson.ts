// A document's `lesson` field: what a teacher wrote for it. The engine keeps the field as-is;
// the app reads it through this schema and simply shows no lesson when it does not fit.
import { z } from 'zod';
import {
  MAX_RACE_ENTRIES,
  raceEntrySchema,
  trainingConfigSchema,
  trainingDatasetSchema,
} from './training.ts';

/** The node overlays a lesson can hide, for students to predict before they reveal them. */
export const hiddenQuantitySchema = z.enum(['shape', 'params', 'macs', 'rf']);
export type HiddenQuantity = z.infer<typeof hiddenQuantitySchema>;

export const lessonSchema = z.object({
  title: z.string().min(1),
  /** Its place in the gallery's course of lessons (1 first); lessons without one come last, by title. */
  order: z.number().int().min(1).optional(),
  /** Paragraphs separated by blank lines; lines starting with "- " are list items; **bold**, `code`. */
  text: z.string(),
  /** Settings the lesson was written for; "Use these settings" copies them into the Training panel. */
  training: z
    .object({ dataset: trainingDatasetSchema, config: trainingConfigSchema.partial().optional() })
    .optional(),
  /** Optimizer-race contestants; "Use these settings" puts the Training panel in race mode with them. */
  race: z.array(raceEntrySchema).min(2).max(MAX_RACE_ENTRIES).optional(),
  /** A template to open next to compare (deep ReLU vs deep sigmoid, naive vs bottleneck Inception). */
  compare: z
    .object({
      template: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/i),
      label: z.string().min(1),
    })
    .optional(),
  /** Overlays shown as "?" on every node; the inspector asks for a guess before revealing them. */
  hide: z.array(hiddenQuantitySchema).optional(),
});
export type Lesson = z.infer<typeof lessonSchema>;

/** The lesson of a document, or null when it has none (or one this version can't read). */
export function lessonOf(raw: unknown): Lesson | null {
  const parsed = lessonSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
