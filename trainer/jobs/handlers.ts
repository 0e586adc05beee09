/** Which handler runs each job kind (server/jobs/contracts.ts lists the kinds). */
import type { JobHandlers } from '../worker/job-context';
import { runArenaJob } from './arena';
import { runEvaluateJob } from './evaluate';
import { type ExportJobSettings, runExportJob } from './export';
import { runGenerateJob } from './generate';
import { runTrainingRoundJob } from './training-round';

/** The handlers of a worker; export jobs need the worker's database URL and the pseudonym secret. */
export function createJobHandlers(settings: ExportJobSettings): JobHandlers {
  return {
    generate: runGenerateJob,
    training_round: runTrainingRoundJob,
    evaluate: runEvaluateJob,
    export: (context) => runExportJob(context, settings),
    arena: runArenaJob,
  };
}
