/**
 * Optional sections other modules add to a run's report (e.g. faithfulness metrics): each builder
 * gets the run's analysis and returns a section, or undefined when the run has nothing for it.
 * Sections appear after the galleries, in this order, in both report.html and report.md.
 */
import { faithfulnessSection, type RenderedSection, type ReportSection } from '@cam-localize/eval';
import type { RunAnalysis } from './run-analysis.js';

export type SectionBuilder = (analysis: RunAnalysis) => Section | undefined | Promise<Section | undefined>;

type Section = ReportSection | RenderedSection;

/** Add a builder here to add a section to every report. */
export const EXTRA_SECTIONS: readonly SectionBuilder[] = [
  // --faithfulness: the means and the mean deletion/insertion curves.
  (analysis) =>
    analysis.metrics.faithfulness === undefined
      ? undefined
      : faithfulnessSection(analysis.metrics.faithfulness),
];

export async function extraSections(
  analysis: RunAnalysis,
  builders: readonly SectionBuilder[] = EXTRA_SECTIONS,
): Promise<Section[]> {
  const sections: Section[] = [];
  for (const build of builders) {
    const section = await build(analysis);
    if (section) sections.push(section);
  }
  return sections;
}
