/**
 * Accounts that record answers no person gave in the rating page: judgements brought in by an
 * import (one per source, ids `imported-<source>`) and ratings pushed through /api/v1 feedback.
 * They are banned (never sign in) and hold no undo, so their answers are settled at once.
 */
export const IMPORTED_USER_ID_PREFIX = 'imported-';
export const API_FEEDBACK_USER_ID = 'api-feedback';
