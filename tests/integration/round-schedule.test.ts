/**
 * Scheduled rounds: after every N new annotations, or on a cron expression; never while a round of
 * the project is queued or running; invalid cron expressions refused when saved.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/server/db';
import { startDueRounds } from '@/server/jobs/rounds';
import { cancelRound, updateTrainingSettings } from '@/server/services/training-rounds';
import { catchTrpcError, callerFor, createSignedInUser, type TestUser } from '../helpers/api';
import { createArithmeticProject, rateCorrectly } from './training-fixtures';

let admin: TestUser;
let annotator: TestUser;

beforeAll(async () => {
  admin = await createSignedInUser('admin');
  annotator = await createSignedInUser('annotator');
});

describe('round schedules', () => {
  it('starts a round after every N new annotations, once, with the last round form', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 8, heldoutPrompts: 0 });
    await db.project.update({ where: { id: project.id }, data: { roundConfig: { method: 'dpo', minPairs: 2 } } });
    await updateTrainingSettings({ projectId: project.id, roundSchedule: { kind: 'annotations', every: 3 } });
    await rateCorrectly({ annotator, projectId: project.id, count: 2 });
    expect((await startDueRounds(db)).filter((r) => r.projectId === project.id)).toEqual([]);
    await rateCorrectly({ annotator, projectId: project.id, count: 1 });
    const started = (await startDueRounds(db)).filter((r) => r.projectId === project.id);
    expect(started).toHaveLength(1);
    const run = await db.trainingRun.findUniqueOrThrow({ where: { id: started[0].runId }, include: { job: true } });
    expect(run).toMatchObject({ trigger: 'annotations', status: 'QUEUED', number: 1 });
    expect(run.config).toMatchObject({ method: 'dpo', minPairs: 2 });
    expect(run.job?.kind).toBe('training_round');
    // A queued round holds the next one back, even with enough new annotations.
    await rateCorrectly({ annotator, projectId: project.id, count: 3 });
    expect((await startDueRounds(db)).filter((r) => r.projectId === project.id)).toEqual([]);
    await cancelRound({ runId: run.id });
    // The count restarts at the last round: 3 annotations since it → due again.
    expect((await startDueRounds(db)).filter((r) => r.projectId === project.id)).toHaveLength(1);
  });

  it('fires a cron schedule once its time has come since the last round', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 2, heldoutPrompts: 0 });
    await updateTrainingSettings({ projectId: project.id, roundSchedule: { kind: 'cron', expression: '0 3 * * *' } });
    const tomorrow = new Date(Date.now() + 25 * 3600_000);
    expect((await startDueRounds(db)).filter((r) => r.projectId === project.id)).toEqual([]);
    const fired = (await startDueRounds(db, tomorrow)).filter((r) => r.projectId === project.id);
    expect(fired).toEqual([expect.objectContaining({ trigger: 'cron' })]);
  });

  it('refuses an invalid cron expression with a 400', async () => {
    const project = await createArithmeticProject({ admin, trainPrompts: 1, heldoutPrompts: 0 });
    const caller = await callerFor(admin);
    const error = await catchTrpcError(caller.training.updateSettings({ projectId: project.id, roundSchedule: { kind: 'cron', expression: 'every tuesday' } }));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/cron/i);
  });
});
