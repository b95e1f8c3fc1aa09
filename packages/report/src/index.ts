// SPDX-License-Identifier: MIT
export type { ReadRunFolderOptions, RunArtifactFile, RunDlqItem, RunFolder, StepRejects } from './folder';
export { REJECTS_SHOWN, readRunFolder } from './folder';
export type { IndexEntry, RenderIndexOptions } from './index-page';
export { renderRunIndex } from './index-page';
export type { RateSeries, RunPicture, TimelineBar, TimelineSegment } from './model';
export { MAX_CHART_POINTS, runPicture } from './model';
export type { RenderOptions } from './report';
export { renderRunReport } from './report';
export type { IndexFilter, WriteIndexOptions, WriteReportOptions } from './write';
export { filterRuns, REPORT_FILE, runStart, writeRunIndex, writeRunReport } from './write';
