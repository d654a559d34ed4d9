// The template gallery's two lists: the lessons as a course (their `order`, then by title), and
// the templates that carry no lesson. A template appears in exactly one of them.
import type { TemplateInfo } from '../../protocol/hostApi.ts';

export function gallerySections(infos: readonly TemplateInfo[]): {
  lessons: TemplateInfo[];
  templates: TemplateInfo[];
} {
  const place = (t: TemplateInfo) => t.order ?? Number.MAX_SAFE_INTEGER;
  const lessons = infos
    .filter((t) => t.lesson !== undefined)
    .sort((a, b) => place(a) - place(b) || a.lesson!.localeCompare(b.lesson!));
  const templates = infos.filter((t) => t.lesson === undefined).sort((a, b) => a.name.localeCompare(b.name));
  return { lessons, templates };
}
