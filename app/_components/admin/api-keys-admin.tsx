'use client';
/** API keys: create one (shown once), see everyone's with their last use, revoke any. */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../toast';
import { ErrorBox } from './error-box';
import { buttonClass, cardClass, inputClass, labelClass, smallButtonClass, tableClass, tdClass, thClass } from './ui';

type Scope = 'READ' | 'WRITE';

export function ApiKeysAdmin() {
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  return (
    <div className="grid gap-6 lg:grid-cols-[20rem_1fr]">
      <div className="space-y-4">
        <CreateKeyForm onCreated={setCreated} />
        {created && <NewKeyBox name={created.name} apiKey={created.key} onDismiss={() => setCreated(null)} />}
      </div>
      <KeysTable />
    </div>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: (created: { name: string; key: string }) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('READ');
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: async (result) => {
        onCreated({ name: result.apiKey.name, key: result.key });
        setName('');
        await queryClient.invalidateQueries(trpc.apiKeys.list.queryFilter());
      },
    }),
  );
  return (
    <form
      className={`${cardClass} h-fit space-y-3 p-4`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ name, scope });
      }}
    >
      <h2 className="text-sm font-semibold">New key</h2>
      <label className="block">
        <span className={labelClass}>Name</span>
        <input data-testid="api-key-name" className={inputClass} placeholder="e.g. training notebook" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="block">
        <span className={labelClass}>Scope</span>
        <select data-testid="api-key-scope" className={inputClass} value={scope} onChange={(e) => setScope(e.target.value === 'WRITE' ? 'WRITE' : 'READ')}>
          <option value="READ">Read: projects, snapshots, exports</option>
          <option value="WRITE">Write: also snapshots, imports, feedback</option>
        </select>
      </label>
      <ErrorBox error={create.error} testId="api-key-create-error" />
      <button type="submit" data-testid="api-key-create" className={`${buttonClass} w-full justify-center`} disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create key'}
      </button>
    </form>
  );
}

/** The key in clear, once: it is not stored and cannot be shown again. */
function NewKeyBox({ name, apiKey, onDismiss }: { name: string; apiKey: string; onDismiss: () => void }) {
  const toast = useToast();
  return (
    <div role="status" data-testid="api-key-created" className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm">
      <p className="font-medium text-amber-900">Copy the key “{name}” now: it will not be shown again.</p>
      <code data-testid="api-key-secret" className="block break-all rounded bg-white px-2 py-1.5 font-mono text-xs text-slate-900 select-all">
        {apiKey}
      </code>
      <div className="flex gap-2">
        <button
          type="button"
          className={smallButtonClass}
          onClick={() => {
            void navigator.clipboard?.writeText(apiKey).then(
              () => toast.show('Key copied', 'success'),
              () => toast.show('Copy failed: select the key and copy it by hand', 'error'),
            );
          }}
        >
          Copy
        </button>
        <button type="button" className={smallButtonClass} data-testid="api-key-dismiss" onClick={onDismiss}>
          I have saved it
        </button>
      </div>
      <p className="text-xs text-amber-900">
        Use it as <code>Authorization: Bearer …</code>, or <code>FEEDLOOP_URL=… FEEDLOOP_API_KEY=… npx feedloop projects</code>.
      </p>
    </div>
  );
}

function formatTime(date: Date | null): string {
  return date ? date.toLocaleString() : 'never';
}

function KeysTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onSuccess: async (key) => {
        toast.show(`Revoked “${key.name}”`, 'success');
        await queryClient.invalidateQueries(trpc.apiKeys.list.queryFilter());
      },
      onError: (error) => toast.show(error.message, 'error'),
    }),
  );
  if (keys.error) return <ErrorBox error={keys.error} />;
  if (!keys.data) return <p className="text-sm text-slate-500">Loading keys…</p>;
  if (keys.data.length === 0) return <p className={`${cardClass} h-fit p-4 text-sm text-slate-500`}>No API keys yet.</p>;
  return (
    <div className={`${cardClass} h-fit overflow-x-auto`}>
      <table className={tableClass}>
        <thead>
          <tr>
            <th className={thClass}>Name</th>
            <th className={thClass}>Key id</th>
            <th className={thClass}>Owner</th>
            <th className={thClass}>Scope</th>
            <th className={thClass}>Created</th>
            <th className={thClass}>Last used</th>
            <th className={thClass} />
          </tr>
        </thead>
        <tbody>
          {keys.data.map((key) => {
            const isRevoked = key.revokedAt !== null;
            return (
              <tr key={key.id} data-testid={`api-key-row-${key.id}`} data-revoked={isRevoked} className={isRevoked ? 'bg-slate-50 text-slate-400' : ''}>
                <td className={`${tdClass} font-medium`}>{key.name}</td>
                <td className={`${tdClass} font-mono text-xs`}>fl_{key.id}_…</td>
                <td className={tdClass}>{key.user.email}</td>
                <td className={tdClass}>
                  <span className={`rounded px-1.5 py-0.5 text-xs ${key.scope === 'WRITE' ? 'bg-amber-100 text-amber-800' : 'bg-slate-100 text-slate-700'}`}>{key.scope}</span>
                </td>
                <td className={`${tdClass} text-xs text-slate-500`}>{key.createdAt.toLocaleDateString()}</td>
                <td className={`${tdClass} text-xs text-slate-500`}>{formatTime(key.lastUsedAt)}</td>
                <td className={`${tdClass} whitespace-nowrap text-right`}>
                  {isRevoked ? (
                    <span className="text-xs font-medium text-rose-700">revoked {key.revokedAt?.toLocaleDateString()}</span>
                  ) : (
                    <button
                      type="button"
                      className={smallButtonClass}
                      data-testid={`api-key-revoke-${key.id}`}
                      disabled={revoke.isPending}
                      onClick={() => {
                        if (window.confirm(`Revoke “${key.name}”? Scripts using it stop working at once.`)) revoke.mutate({ keyId: key.id });
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
