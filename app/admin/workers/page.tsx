import { WorkersAdmin } from '@/app/_components/admin/workers/workers-admin';

export const metadata = { title: 'Workers · Feedloop' };

export default function AdminWorkersPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Workers</h1>
      <WorkersAdmin />
    </div>
  );
}
