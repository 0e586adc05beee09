'use client';
/**
 * Accounts: create annotators and admins, disable and enable them, set a new password, change a
 * role, remove a person's data; and the audit log of all of it. Accounts are never deleted.
 */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../toast';
import { AuditLogPanel } from './audit-log-panel';
import { ErrorBox } from './error-box';
import { UserRow, toRole, type Role } from './user-row';
import { buttonClass, cardClass, inputClass, labelClass, tableClass, thClass } from './ui';

export function UsersAdmin() {
  return (
    <div className="space-y-8">
      <div className="grid gap-6 lg:grid-cols-[20rem_1fr]">
        <CreateUserForm />
        <UsersTable />
      </div>
      <AuditLogPanel />
    </div>
  );
}

function CreateUserForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('annotator');
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: async (user) => {
        toast.show(`Created ${user.email}`, 'success');
        setEmail('');
        setName('');
        setPassword('');
        await queryClient.invalidateQueries(trpc.users.pathFilter());
      },
    }),
  );
  return (
    <form
      className={`${cardClass} h-fit space-y-3 p-4`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ email, name, password, role });
      }}
    >
      <h2 className="text-sm font-semibold">New account</h2>
      <label className="block">
        <span className={labelClass}>Email</span>
        <input data-testid="user-create-email" type="email" maxLength={200} autoComplete="off" className={inputClass} value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label className="block">
        <span className={labelClass}>Name</span>
        <input data-testid="user-create-name" maxLength={100} className={inputClass} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="block">
        <span className={labelClass}>Password</span>
        <input data-testid="user-create-password" type="password" autoComplete="new-password" className={inputClass} value={password} onChange={(e) => setPassword(e.target.value)} />
        <span className="text-xs text-slate-500">8 to 128 characters; share it with the person directly.</span>
      </label>
      <label className="block">
        <span className={labelClass}>Role</span>
        <select data-testid="user-create-role" className={inputClass} value={role} onChange={(e) => setRole(toRole(e.target.value))}>
          <option value="annotator">Annotator</option>
          <option value="reviewer">Reviewer</option>
          <option value="admin">Admin</option>
        </select>
      </label>
      <ErrorBox error={create.error} testId="user-create-error" />
      <button type="submit" data-testid="user-create-submit" className={`${buttonClass} w-full justify-center`} disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create account'}
      </button>
    </form>
  );
}

function UsersTable() {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions());
  const me = useQuery(trpc.session.me.queryOptions());
  if (users.error) return <ErrorBox error={users.error} />;
  if (!users.data) return <p className="text-sm text-slate-500">Loading accounts…</p>;
  return (
    <div className={`${cardClass} h-fit overflow-x-auto`}>
      <table className={tableClass}>
        <thead>
          <tr>
            <th className={thClass}>Email</th>
            <th className={thClass}>Name</th>
            <th className={thClass}>Role</th>
            <th className={thClass}>Status</th>
            <th className={thClass}>Created</th>
            <th className={thClass} />
          </tr>
        </thead>
        <tbody>
          {users.data.map((user) => (
            <UserRow key={user.id} user={user} isSelf={user.id === me.data?.id} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
