import { stringify } from 'csv-stringify/sync';
import { f1Score, accuracyScore } from '@art/metrics';
import { SubmissionError } from '../errors.js';
import { readCsvFile } from '../dataset/csv.js';
import { writeFileAtomic } from '../io.js';

/** A submission row. */
export interface SubmissionRow {
  id: string;
  artist: string;
}

/**
 * Reads a submission-shaped CSV (`id,artist`), e.g. a submission, `sample_submission.csv`
 * or an answers file.
 * @throws {MissingColumnError} when `id` or `artist` is missing
 * @example
 * const rows = await readSubmission('out/submission.csv');
 */
export async function readSubmission(file: string): Promise<SubmissionRow[]> {
  const rows = await readCsvFile(file, ['id', 'artist']);
  return rows.map((row) => ({ id: row.id!, artist: row.artist! }));
}

function findDuplicates(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of ids) (seen.has(id) ? duplicates : seen).add(id);
  return [...duplicates];
}

function list(ids: string[]): string {
  const shown = ids
    .slice(0, 10)
    .map((id) => JSON.stringify(id))
    .join(', ');
  return ids.length > 10 ? `${shown} ... (${ids.length} in all)` : shown;
}

/**
 * Writes `submission.csv` (`id,artist`) in the order of the sample submission, atomically.
 * Refuses (and writes nothing) when an id of the sample is missing, an id is unknown to
 * the sample, an id appears twice, or a label is empty / not in `classes`.
 *
 * @param file output path
 * @param predictions `{ ids, labels }` (parallel arrays; labels are artist names)
 * @param options `{ sampleSubmission: file path or rows, classes?: allowed labels }`
 * @throws {SubmissionError} with `details.missing / unknown / duplicates`
 * @example
 * await writeSubmission('out/submission.csv', { ids, labels }, { sampleSubmission: 'data/sample_submission.csv' });
 */
export async function writeSubmission(
  file: string,
  predictions: { ids: readonly string[]; labels: readonly string[] },
  options: { sampleSubmission: string | readonly SubmissionRow[] | readonly string[]; classes?: readonly string[] },
): Promise<void> {
  const { ids, labels } = predictions;
  if (ids.length !== labels.length)
    throw new SubmissionError(`writeSubmission: ${ids.length} ids but ${labels.length} labels`);
  const sample = options.sampleSubmission;
  const sampleIds: string[] =
    typeof sample === 'string'
      ? (await readSubmission(sample)).map((r) => r.id)
      : sample.map((r) => (typeof r === 'string' ? r : r.id));
  const sampleName = typeof sample === 'string' ? sample : 'the sample submission';
  const sampleDuplicates = findDuplicates(sampleIds);
  if (sampleDuplicates.length > 0)
    throw new SubmissionError(`${sampleName} has duplicate ids: ${list(sampleDuplicates)}`, {
      duplicates: sampleDuplicates,
    });
  const duplicates = findDuplicates(ids);
  const byId = new Map<string, string>();
  ids.forEach((id, i) => byId.set(id, labels[i]!));
  const sampleSet = new Set(sampleIds);
  const missing = sampleIds.filter((id) => !byId.has(id));
  const unknown = [...byId.keys()].filter((id) => !sampleSet.has(id));
  if (missing.length > 0 || unknown.length > 0 || duplicates.length > 0) {
    const parts = [
      missing.length > 0 ? `${missing.length} id(s) of ${sampleName} missing: ${list(missing)}` : '',
      unknown.length > 0 ? `${unknown.length} id(s) not in ${sampleName}: ${list(unknown)}` : '',
      duplicates.length > 0 ? `${duplicates.length} duplicate id(s): ${list(duplicates)}` : '',
    ].filter(Boolean);
    throw new SubmissionError(`Refusing to write incomplete submission ${file}: ${parts.join('; ')}`, {
      missing,
      unknown,
      duplicates,
    });
  }
  const allowed = options.classes ? new Set(options.classes) : null;
  const badLabels = sampleIds.filter((id) => {
    const label = byId.get(id)!;
    return typeof label !== 'string' || label === '' || (allowed !== null && !allowed.has(label));
  });
  if (badLabels.length > 0) {
    throw new SubmissionError(
      `Refusing to write submission ${file}: empty or unknown label for id(s) ${list(badLabels)}`,
    );
  }
  const rows = sampleIds.map((id) => [id, byId.get(id)!]);
  await writeFileAtomic(file, stringify([['id', 'artist'], ...rows]));
}

/** Score of a submission. */
export interface SubmissionScore {
  macroF1: number;
  accuracy: number;
  count: number;
}

/**
 * Macro F1 (the competition metric) and accuracy of a submission against an answers file
 * (`id,artist`). Every answer id must be predicted exactly once.
 *
 * @throws {MissingColumnError} a file lacks `id` or `artist`
 * @throws {SubmissionError} missing, unknown or duplicate ids
 * @example
 * const { macroF1 } = await scoreSubmission('out/submission.csv', 'data/answers.csv');
 */
export async function scoreSubmission(submissionFile: string, answersFile: string): Promise<SubmissionScore> {
  const [submission, answers] = await Promise.all([readSubmission(submissionFile), readSubmission(answersFile)]);
  return scoreRows(submission, answers, submissionFile, answersFile);
}

/**
 * {@link scoreSubmission} on rows already in memory.
 * @example
 * const { macroF1 } = scoreRows([{ id: '1', artist: 'Goya' }], [{ id: '1', artist: 'Goya' }]); // 1
 */
export function scoreRows(
  submission: readonly SubmissionRow[],
  answers: readonly SubmissionRow[],
  submissionName = 'submission',
  answersName = 'answers',
): SubmissionScore {
  const duplicates = findDuplicates(submission.map((r) => r.id));
  const answerDuplicates = findDuplicates(answers.map((r) => r.id));
  if (answerDuplicates.length > 0)
    throw new SubmissionError(`${answersName}: duplicate ids ${list(answerDuplicates)}`, {
      duplicates: answerDuplicates,
    });
  const predicted = new Map(submission.map((r) => [r.id, r.artist]));
  const answerIds = new Set(answers.map((r) => r.id));
  const missing = answers.filter((r) => !predicted.has(r.id)).map((r) => r.id);
  const unknown = submission.filter((r) => !answerIds.has(r.id)).map((r) => r.id);
  if (missing.length > 0 || unknown.length > 0 || duplicates.length > 0) {
    const parts = [
      missing.length > 0 ? `${missing.length} answer id(s) missing: ${list(missing)}` : '',
      unknown.length > 0 ? `${unknown.length} id(s) not in ${answersName}: ${list(unknown)}` : '',
      duplicates.length > 0 ? `duplicate id(s): ${list(duplicates)}` : '',
    ].filter(Boolean);
    throw new SubmissionError(`${submissionName} cannot be scored: ${parts.join('; ')}`, {
      missing,
      unknown,
      duplicates,
    });
  }
  if (answers.length === 0) throw new SubmissionError(`${answersName} has no rows`);
  const labels = [...new Set([...answers.map((r) => r.artist), ...submission.map((r) => r.artist)])].sort();
  const yTrue = answers.map((r) => r.artist);
  const yPred = answers.map((r) => predicted.get(r.id)!);
  // Macro over the classes present in the answers or predictions, as sklearn's f1_score(average='macro').
  const macroF1 = f1Score(yTrue, yPred, { average: 'macro', labels, zeroDivision: 0 }) as number;
  const accuracy = accuracyScore(yTrue, yPred, { labels }) as number;
  return { macroF1, accuracy, count: answers.length };
}
