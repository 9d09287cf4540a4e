import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { MissingColumnError } from '../errors.js';

/** Checks of {@link readCsvFile} / {@link parseCsvText} beyond the header. */
export interface CsvCheckOptions {
  /** Columns whose cells must not be empty (an error names the line). Default none. */
  nonEmpty?: readonly string[];
  /** Fail when the file has a header but no data rows (default false). */
  requireRows?: boolean;
}

/**
 * Reads a CSV file with a header row into records and checks that every `requiredColumns`
 * entry is in the header. Values are strings; spaces and tabs around a cell are trimmed
 * (`id, ./train/0.jpg` reads as `./train/0.jpg`, as pandas' `skipinitialspace=True` plus the
 * trailing side; inside quotes they are kept); a BOM is removed.
 *
 * @param file path of the CSV file
 * @param requiredColumns columns that must be present (default none)
 * @throws {MissingColumnError} naming the file, the column and the header found
 * @throws {Error} `file line N: empty "artist" cell` (with `nonEmpty`), `file has a header but no rows` (with `requireRows`)
 * @example
 * const rows = await readCsvFile('data/train.csv', ['id', 'img_path', 'artist'], { nonEmpty: ['id', 'img_path', 'artist'] });
 */
export async function readCsvFile(
  file: string,
  requiredColumns: readonly string[] = [],
  checks: CsvCheckOptions = {},
): Promise<Record<string, string>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read CSV file ${JSON.stringify(file)}: ${(error as Error).message}`, { cause: error });
  }
  return parseCsvText(text, file, requiredColumns, checks);
}

/**
 * Parses CSV text (see {@link readCsvFile}); `file` only names the source in errors.
 * @example
 * const rows = parseCsvText('id,artist\n1,Goya\n', 'inline.csv', ['id', 'artist']);
 */
export function parseCsvText(
  text: string,
  file: string,
  requiredColumns: readonly string[] = [],
  checks: CsvCheckOptions = {},
): Record<string, string>[] {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    parsed = parse(text, {
      bom: true,
      skip_empty_lines: true,
      relax_column_count: false,
      trim: true,
      info: true,
    }) as unknown as typeof parsed;
  } catch (error) {
    throw new Error(`${file}: invalid CSV: ${(error as Error).message}`, { cause: error });
  }
  const rows = parsed.map((entry) => entry.record);
  const header = (rows[0] ?? []).map((h) => h.trim());
  for (const column of requiredColumns) {
    if (!header.includes(column)) throw new MissingColumnError(file, column, header);
  }
  if (checks.requireRows && rows.length < 2)
    throw new Error(`${file} has a header but no rows; expected one row per image`);
  const records: Record<string, string>[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const record: Record<string, string> = {};
    header.forEach((name, c) => {
      record[name] = row[c] ?? '';
    });
    for (const column of checks.nonEmpty ?? []) {
      if (record[column] === '')
        throw new Error(`${file} line ${parsed[r]!.info.lines}: empty "${column}" cell; fill it in or remove the row`);
    }
    records.push(record);
  }
  return records;
}
