'use client';
/** Accounts: create annotators and admins, disable and enable them, set a new password. */
import { useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../toast';
import { ErrorBox } from './error-box';
import { buttonClass, cardClass, inputClass, labelClass, smallButtonClass, tableClass, tdClass, thClass } from './ui';

type Role = 'annotator' | 'admin';

export function UsersAdmin() {
  return (
    <div className="grid gap-6 lg:grid-cols-[20rem_1fr]">
      <CreateUserForm />
      <UsersTable />
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
        await queryClient.invalidateQueries(trpc.users.list.queryFilter());
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
        <input data-testid="user-create-email" type="email" autoComplete="off" className={inputClass} value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <label className="block">
        <span className={labelClass}>Name</span>
        <input data-testid="user-create-name" className={inputClass} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="block">
        <span className={labelClass}>Password</span>
        <input data-testid="user-create-password" type="password" autoComplete="new-password" className={inputClass} value={password} onChange={(e) => setPassword(e.target.value)} />
        <span className="text-xs text-slate-500">At least 8 characters; share it with the person directly.</span>
      </label>
      <label className="block">
        <span className={labelClass}>Role</span>
        <select data-testid="user-create-role" className={inputClass} value={role} onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'annotator')}>
          <option value="annotator">Annotator</option>
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
            <UserRow key={user.id} user={user} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

type UserRowData = { id: string; email: string; name: string; role: string | null; banned: boolean | null; createdAt: Date };

function UserRow({ user }: { user: UserRowData }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [isResetting, setResetting] = useState(false);
  const [newPassword, setNewPassword] = useState('');
  const invalidate = () => queryClient.invalidateQueries(trpc.users.list.queryFilter());
  const setDisabled = useMutation(
    trpc.users.setDisabled.mutationOptions({
      onSuccess: async (_, input) => {
        toast.show(`${user.email} ${input.disabled ? 'disabled' : 'enabled'}`, 'success');
        await invalidate();
      },
      onError: (error) => toast.show(error.message, 'error'),
    }),
  );
  const resetPassword = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: () => {
        toast.show(`New password set for ${user.email}`, 'success');
        setResetting(false);
        setNewPassword('');
      },
    }),
  );
  const isDisabled = !!user.banned;
  return (
    <>
      <tr data-testid={`user-row-${user.email}`} data-disabled={isDisabled} className={isDisabled ? 'bg-slate-50 text-slate-400' : ''}>
        <td className={`${tdClass} font-medium`}>{user.email}</td>
        <td className={tdClass}>{user.name}</td>
        <td className={tdClass}>
          <span className={`rounded px-1.5 py-0.5 text-xs ${user.role === 'admin' ? 'bg-violet-100 text-violet-800' : 'bg-slate-100 text-slate-700'}`}>{user.role}</span>
        </td>
        <td className={tdClass} data-testid={`user-status-${user.email}`}>
          {isDisabled ? <span className="text-xs font-medium text-rose-700">disabled</span> : <span className="text-xs text-emerald-700">active</span>}
        </td>
        <td className={`${tdClass} text-xs text-slate-500`}>{user.createdAt.toLocaleDateString()}</td>
        <td className={`${tdClass} whitespace-nowrap text-right`}>
          <button
            type="button"
            className={smallButtonClass}
            data-testid={`user-disable-${user.email}`}
            disabled={setDisabled.isPending}
            onClick={() => setDisabled.mutate({ userId: user.id, disabled: !isDisabled })}
          >
            {isDisabled ? 'Enable' : 'Disable'}
          </button>
          <button type="button" className={`${smallButtonClass} ml-1`} data-testid={`user-reset-${user.email}`} onClick={() => setResetting((v) => !v)}>
            Reset password
          </button>
        </td>
      </tr>
      {isResetting && (
        <tr>
          <td colSpan={6} className="border-b border-slate-100 bg-slate-50 px-3 py-2">
            <form
              className="flex flex-wrap items-start gap-2"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                resetPassword.mutate({ userId: user.id, newPassword });
              }}
            >
              <input
                data-testid={`user-reset-password-${user.email}`}
                type="password"
                autoComplete="new-password"
                autoFocus
                placeholder={`New password for ${user.email}`}
                className={`${inputClass} w-72`}
                value={newPassword}
                onChange={(e) => setNewPassword(e.target.value)}
              />
              <button type="submit" data-testid={`user-reset-submit-${user.email}`} className={buttonClass} disabled={resetPassword.isPending}>
                Set password
              </button>
              <button type="button" className={smallButtonClass + ' self-center'} onClick={() => setResetting(false)}>
                Cancel
              </button>
              <div className="basis-full">
                <ErrorBox error={resetPassword.error} testId={`user-reset-error-${user.email}`} />
              </div>
            </form>
          </td>
        </tr>
      )}
    </>
  );
}
