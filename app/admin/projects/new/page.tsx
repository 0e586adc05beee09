import Link from 'next/link';
import { ProjectCreateForm } from '@/app/_components/admin/project-create-form';

export const metadata = { title: 'New project · Feedloop' };

export default function NewProjectPage() {
  return (
    <div className="space-y-4">
      <div>
        <Link href="/admin" className="text-xs text-slate-500 hover:text-slate-800">
          ← Projects
        </Link>
        <h1 className="text-xl font-semibold tracking-tight">New project</h1>
      </div>
      <ProjectCreateForm />
    </div>
  );
}
