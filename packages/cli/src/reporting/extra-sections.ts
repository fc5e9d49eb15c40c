/**
 * Optional sections other modules add to a run's report (e.g. faithfulness metrics): each builder
 * gets the run's analysis and returns a section, or undefined when the run has nothing for it.
 * Sections appear after the galleries, in this order, in both report.html and report.md.
 */
import type { ReportSection } from '@cam-localize/eval';
import type { RunAnalysis } from './run-analysis.js';

export type SectionBuilder = (
  analysis: RunAnalysis,
) => ReportSection | undefined | Promise<ReportSection | undefined>;

/** Add a builder here to add a section to every report. */
export const EXTRA_SECTIONS: readonly SectionBuilder[] = [];

export async function extraSections(
  analysis: RunAnalysis,
  builders: readonly SectionBuilder[] = EXTRA_SECTIONS,
): Promise<ReportSection[]> {
  const sections: ReportSection[] = [];
  for (const build of builders) {
    const section = await build(analysis);
    if (section) sections.push(section);
  }
  return sections;
}
