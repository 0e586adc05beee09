import Link from 'next/link';
import { ProjectsTable } from '@/app/_components/admin/projects-table';
import { buttonClass } from '@/app/_components/admin/ui';

export const metadata = { title: 'Projects · Feedloop' };

export default function AdminHomePage() {
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold tracking-tight">Projects</h1>
        <Link href="/admin/projects/new" data-testid="new-project-button" className={buttonClass}>
          + New project
        </Link>
      </div>
      <ProjectsTable />
    </div>
  );
}
