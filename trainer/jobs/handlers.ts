/** Which handler runs each job kind (server/jobs/contracts.ts lists the kinds). */
import type { JobHandlers } from '../worker/job-context';
import { runEvaluateJob } from './evaluate';
import { runGenerateJob } from './generate';
import { runTrainingRoundJob } from './training-round';

export const JOB_HANDLERS: JobHandlers = {
  generate: runGenerateJob,
  training_round: runTrainingRoundJob,
  evaluate: runEvaluateJob,
};
