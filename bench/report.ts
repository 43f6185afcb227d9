/** BENCHMARKS.md upkeep: result rows accumulate in one table; the latest run's details are replaced. */
import * as fs from 'fs';

const ROWS_END = '<!-- new rows above this line -->';
const DETAILS_BEGIN = '<!-- latest run details: begin -->';
const DETAILS_END = '<!-- latest run details: end -->';

function read(file: string): string {
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: it holds the table the benchmark appends to`);
  return fs.readFileSync(file, 'utf-8');
}

/** Appends rows above `marker`: the main table's by default, another table's (e.g. the browser rows) if given. */
export function appendRows(file: string, rows: string[], marker = ROWS_END): void {
  const text = read(file);
  if (!text.includes(marker)) throw new Error(`${file} lacks the marker ${marker}`);
  fs.writeFileSync(file, text.replace(marker, `${rows.join('\n')}\n${marker}`));
}

export function replaceSection(file: string, body: string): void {
  const text = read(file);
  const begin = text.indexOf(DETAILS_BEGIN);
  const end = text.indexOf(DETAILS_END);
  if (begin < 0 || end < begin) throw new Error(`${file} lacks the markers ${DETAILS_BEGIN} / ${DETAILS_END}`);
  fs.writeFileSync(file, `${text.slice(0, begin + DETAILS_BEGIN.length)}\n${body}\n${text.slice(end)}`);
}
