import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { MissingColumnError } from '../errors.js';

/**
 * Reads a CSV file with a header row into records (string values, whitespace around cells
 * kept, BOM removed) and checks that every `requiredColumns` entry is in the header.
 *
 * @param file path of the CSV file
 * @param requiredColumns columns that must be present (default none)
 * @throws {MissingColumnError} naming the file, the column and the header found
 * @example
 * const rows = await readCsvFile('data/train.csv', ['id', 'img_path', 'artist']);
 */
export async function readCsvFile(file: string, requiredColumns: readonly string[] = []): Promise<Record<string, string>[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read CSV file ${JSON.stringify(file)}: ${(error as Error).message}`, { cause: error });
  }
  return parseCsvText(text, file, requiredColumns);
}

/**
 * Parses CSV text (see {@link readCsvFile}); `file` only names the source in errors.
 * @example
 * const rows = parseCsvText('id,artist\n1,Goya\n', 'inline.csv', ['id', 'artist']);
 */
export function parseCsvText(text: string, file: string, requiredColumns: readonly string[] = []): Record<string, string>[] {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new Error(`${file}: invalid CSV: ${(error as Error).message}`, { cause: error });
  }
  const header = (rows[0] ?? []).map((h) => h.trim());
  for (const column of requiredColumns) {
    if (!header.includes(column)) throw new MissingColumnError(file, column, header);
  }
  const records: Record<string, string>[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    const record: Record<string, string> = {};
    header.forEach((name, c) => {
      record[name] = row[c] ?? '';
    });
    records.push(record);
  }
  return records;
}
