/** The one error an invalid import file becomes (for commit; preview returns the errors instead). */
import { AppError } from '../../errors';
import type { ImportErrorUnit, ImportFormat, ImportLineError } from './types';

/** "line 57" in a JSONL or CSV file, "array index 56" in a JSON array. */
export function describeLocation(line: number, unit: ImportErrorUnit): string {
  return unit === 'index' ? `array index ${line}` : `line ${line}`;
}

export function createImportError(options: { errors: ImportLineError[]; errorCount: number; format: ImportFormat | null; unit?: ImportErrorUnit }): AppError {
  const [first] = options.errors;
  const unit = options.unit ?? 'line';
  const more = options.errorCount > 1 ? ` (and ${options.errorCount - 1} more problem${options.errorCount === 2 ? '' : 's'})` : '';
  const message = first ? `Nothing was imported: ${describeLocation(first.line, unit)}: ${first.message}${more}` : 'Nothing was imported: the file is invalid';
  const details = { errors: options.errors, errorCount: options.errorCount, format: options.format };
  return new AppError('BAD_REQUEST', message, unit === 'line' ? details : { ...details, unit });
}
