export { distributionModule, backgroundRuns } from './module.js';
export {
  distributePeriod, startDistribution, getDistribution, checkDistributable, distEntryId, LostRunError,
  type DistributeOptions, type DistributionOutcome, type ProgressView,
} from './distribute.js';
export {
  computeReaderShares, computeEscrowRelease, computeEscrowReturn, encodeShares, decodeShares,
  type ClickedThing, type Share, type ReaderShares, type ReaderMonth,
} from './compute-shares.js';
export { runs, snapshots, toRunJson, SNAPSHOTS, type DistributionRun, type RunJson, type Totals, type Stage } from './run-doc.js';
export { previewReaderMonth, type ReaderMonthPreview, type PreviewItem } from './preview-reader-month.js';
export { listPeriods, type PeriodOverview } from './periods.js';
