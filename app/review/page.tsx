import { ReviewWorkspace } from '../_components/review/review-workspace';

export const metadata = { title: 'Review — Feedloop' };

export default function ReviewPage() {
  return <ReviewWorkspace />;
}
