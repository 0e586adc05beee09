import { UsersAdmin } from '@/app/_components/admin/users-admin';

export const metadata = { title: 'Users · Feedloop' };

export default function AdminUsersPage() {
  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Users</h1>
        <p className="text-sm text-slate-500">Accounts are never deleted, so ratings keep their author: disable an account, or remove the person&apos;s data.</p>
      </div>
      <UsersAdmin />
    </div>
  );
}
