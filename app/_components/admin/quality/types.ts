/** The Quality tab's data, as the quality router returns it. */
import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';

type QualityOutputs = inferRouterOutputs<AppRouter>['quality'];
export type QualityAgreement = QualityOutputs['agreement'];
export type QualityAnnotators = QualityOutputs['annotatorQuality'];
export type QualityPositionBias = QualityOutputs['positionBias'];
export type QualityConsensus = QualityOutputs['consensusPreview'];
