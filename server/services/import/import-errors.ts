/** The one error an invalid import file becomes (for commit; preview returns the errors instead). */
import { AppError } from '../../errors';
import type { ImportFormat, ImportLineError } from './types';

export function createImportError(options: { errors: ImportLineError[]; errorCount: number; format: ImportFormat | null }): AppError {
  const [first] = options.errors;
  const more = options.errorCount > 1 ? ` (and ${options.errorCount - 1} more problem${options.errorCount === 2 ? '' : 's'})` : '';
  const message = first ? `Nothing was imported: line ${first.line}: ${first.message}${more}` : 'Nothing was imported: the file is invalid';
  return new AppError('BAD_REQUEST', message, { errors: options.errors, errorCount: options.errorCount, format: options.format });
}
