import { UsersAdmin } from '@/app/_components/admin/users-admin';

export const metadata = { title: 'Users · Feedloop' };

export default function AdminUsersPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">Users</h1>
      <UsersAdmin />
    </div>
  );
}
