/**
 * Who may call each tRPC procedure, by its dotted path: the one table both role matrices read
 * (tests/integration/access.test.ts through createCaller, http-role-matrix.test.ts over HTTP).
 * A procedure added to the router without a row here fails both.
 */
import type { Access } from '@/server/api/trpc';

export const EXPECTED_ACCESS: Record<string, Access> = {
  'session.me': 'public',

  'projects.list': 'annotator',
  'projects.get': 'annotator',
  'projects.create': 'admin',
  'projects.update': 'admin',
  'projects.adminList': 'admin',

  'imports.preview': 'admin',
  'imports.commit': 'admin',

  'queue.next': 'annotator',
  'queue.progress': 'annotator',

  'annotations.submit': 'annotator',
  'annotations.submitAndNext': 'annotator',
  'annotations.skip': 'annotator',
  'annotations.flag': 'annotator',
  'annotations.undo': 'annotator',
  'annotations.last': 'annotator',
  'annotations.recent': 'annotator',

  'oversee.projectStats': 'admin',
  'oversee.recentAnnotations': 'admin',
  'oversee.flaggedTasks': 'admin',
  'oversee.taskDetail': 'admin',
  'oversee.answerCharts': 'admin',
  'oversee.reopenTask': 'admin',

  'training.overview': 'admin',
  'training.round': 'admin',
  'training.startRound': 'admin',
  'training.cancelRound': 'admin',
  'training.compare': 'admin',
  'training.promote': 'admin',
  'training.resetToBase': 'admin',
  'training.generate': 'admin',
  'training.settings': 'admin',
  'training.updateSettings': 'admin',
  'training.setSecret': 'admin',
  'training.evaluate': 'admin',
  'training.job': 'admin',
  'training.workers': 'admin',
  'training.cancelJob': 'admin',

  'arena.create': 'admin',
  'arena.list': 'admin',
  'arena.leaderboard': 'admin',

  'quality.agreement': 'admin',
  'quality.annotatorQuality': 'admin',
  'quality.positionBias': 'admin',
  'quality.consensusPreview': 'admin',

  'datasets.formats': 'admin',
  'datasets.list': 'admin',
  'datasets.get': 'admin',
  'datasets.create': 'admin',
  'datasets.preview': 'admin',
  'datasets.startExport': 'admin',
  'datasets.exportJobs': 'admin',

  'users.list': 'admin',
  'users.create': 'admin',
  'users.setDisabled': 'admin',
  'users.resetPassword': 'admin',
  'users.setRole': 'admin',
  'users.removePersonalData': 'admin',
  'users.auditLog': 'admin',

  'apiKeys.list': 'admin',

  'gold.list': 'admin',
  'gold.mark': 'admin',
  'gold.unmark': 'admin',
  'gold.import': 'admin',
  'gold.settings': 'admin',
  'gold.updateSettings': 'admin',
  'gold.accuracy': 'admin',
  'gold.resume': 'admin',

  'review.projects': 'reviewer',
  'review.next': 'reviewer',
  'review.decide': 'reviewer',
  'review.history': 'reviewer',
  'apiKeys.create': 'admin',
  'apiKeys.revoke': 'admin',
};

/** From the least privileged up (the HTTP matrix calls allowed roles from the most privileged down). */
export type Role = 'anonymous' | 'annotator' | 'reviewer' | 'admin';
export const ROLES: Role[] = ['anonymous', 'annotator', 'reviewer', 'admin'];

/** 'annotator' is any signed-in user (reviewers and admins too); 'reviewer' is reviewers and admins. */
export function isAllowed(access: Access, role: Role): boolean {
  if (access === 'public') return true;
  if (access === 'annotator') return role !== 'anonymous';
  if (access === 'reviewer') return role === 'reviewer' || role === 'admin';
  return role === 'admin';
}
