/**
 * @art/metrics: classification metrics with scikit-learn's names (in camelCase) and values,
 * no runtime dependencies, and results that display themselves in notebooks.
 */

export { MetricsAccumulator } from './accumulator.js';
export { argmax } from './argmax.js';
export { cohenKappaScore, hammingLoss, jaccardScore, matthewsCorrcoef, zeroOneLoss } from './agreement.js';
export type { CohenKappaOptions, JaccardOptions, WeightedLabelOptions } from './agreement.js';
export type { AveragedScores, MetricsAccumulatorOptions, MetricsSummary, TopKMetrics } from './accumulator.js';
export { ConfusionMatrix, confusionMatrix, JUPYTER_DISPLAY, multilabelConfusionMatrix } from './confusion-matrix.js';
export type {
  ConfusionMatrixOptions,
  MimeBundle,
  MultilabelConfusionMatrixOptions,
  Normalize,
} from './confusion-matrix.js';
export { formatFixed } from './format.js';
export { AVERAGES } from './prf.js';
export { brierScoreLoss, classLikelihoodRatios, hingeLoss, logLoss } from './probability.js';
export { averagePrecisionScore } from './ranking.js';
export type { AveragePrecisionOptions } from './ranking.js';
export type { BrierOptions, HingeLossOptions, LikelihoodRatioOptions, LogLossOptions } from './probability.js';
export type { MetricWarning, MetricWarningCategory, WarningOptions } from './options.js';
export type { Average, AverageOptions, PrecisionRecallFscore, WarnFor, ZeroDivision } from './prf.js';
export { ClassificationReport, classificationReport } from './report.js';
export type { ClassificationReportDict, ClassificationReportOptions, ReportRow } from './report.js';
export {
  accuracyScore,
  balancedAccuracyScore,
  f1Score,
  fbetaScore,
  precisionRecallFscoreSupport,
  precisionScore,
  recallScore,
} from './scores.js';
export type {
  AccuracyOptions,
  BalancedAccuracyOptions,
  FbetaOptions,
  PrfsOptions,
  ScalarAverage,
  ScoreOptions,
} from './scores.js';
export type { Label, LabelOptions, Targets } from './targets.js';
export { argmaxPredictions, topKAccuracyScore, topKPrecisionRecallFscore, topKPredictions } from './top-k.js';
export type { TopKAccuracyOptions, TopKPrecisionRecallFscore, TopKScoreOptions } from './top-k.js';
export type { ClassOptions, LabelArray, ScoreMatrix } from './validate.js';
export { confusionMatrixVegaLite, VEGA_LITE_SCHEMA } from './vega-lite.js';
export type { ConfusionMatrixVegaLiteOptions, VegaLiteSpec } from './vega-lite.js';
