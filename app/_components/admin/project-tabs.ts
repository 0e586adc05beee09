/**
 * The tabs of a project's admin page. A plain module (not 'use client'), so the server page can
 * read the list: a value exported from a client module reaches server code only as a reference.
 */
export const PROJECT_TABS = ['overview', 'import', 'annotations', 'flagged', 'training', 'datasets', 'gold', 'quality', 'settings'] as const;
export type ProjectTab = (typeof PROJECT_TABS)[number];
