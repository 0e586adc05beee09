import { ApiKeysAdmin } from '@/app/_components/admin/api-keys-admin';

export const metadata = { title: 'API keys · Feedloop' };

export default function AdminApiKeysPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold tracking-tight">API keys</h1>
      <p className="max-w-3xl text-sm text-slate-600">
        Keys let scripts, notebooks, the <code className="rounded bg-slate-100 px-1">npx feedloop</code> CLI and your production app use <code className="rounded bg-slate-100 px-1">/api/v1</code> as
        you. A READ key lists projects, snapshots and exports; a WRITE key also takes snapshots, imports files and sends feedback. A key stops working when it is revoked or when its owner is disabled
        or is no longer an admin.
      </p>
      <ApiKeysAdmin />
    </div>
  );
}
