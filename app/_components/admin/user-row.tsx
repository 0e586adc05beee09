'use client';
/** One account in the admin's table: role, enable / disable, new password, remove personal data. */
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { useToast } from '../toast';
import { ConfirmDialog } from './training/confirm-dialog';
import { ErrorBox } from './error-box';
import { buttonClass, inputClass, smallButtonClass, tdClass } from './ui';

export type Role = 'annotator' | 'reviewer' | 'admin';
/** A select's value as a role (anything unknown reads as annotator, the least privileged). */
export const toRole = (value: string): Role => (value === 'admin' || value === 'reviewer' ? value : 'annotator');
type UserRowData = { id: string; email: string; name: string; role: Role; banned: boolean; pseudonymisedAt: Date | null; createdAt: Date };

export function UserRow({ user, isSelf }: { user: UserRowData; isSelf: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [isResetting, setResetting] = useState(false);
  const [isConfirmingRemoval, setConfirmingRemoval] = useState(false);
  const [newPassword, setNewPassword] = useState('');
  // Every change writes an audit row: refresh the log with the list.
  const invalidate = () => queryClient.invalidateQueries(trpc.users.pathFilter());
  const onError = (error: { message: string }) => toast.show(error.message, 'error');
  const setDisabled = useMutation(
    trpc.users.setDisabled.mutationOptions({
      onSuccess: async (_, input) => {
        toast.show(`${user.email} ${input.disabled ? 'disabled' : 'enabled'}`, 'success');
        await invalidate();
      },
      onError,
    }),
  );
  const setRole = useMutation(
    trpc.users.setRole.mutationOptions({
      onSuccess: async (updated) => {
        toast.show(`${updated.email} is now ${updated.role === 'admin' ? 'an admin' : updated.role === 'reviewer' ? 'a reviewer' : 'an annotator'}`, 'success');
        await invalidate();
      },
      onError,
    }),
  );
  const resetPassword = useMutation(
    trpc.users.resetPassword.mutationOptions({
      onSuccess: async () => {
        toast.show(`New password set for ${user.email}; they were signed out everywhere`, 'success');
        setResetting(false);
        setNewPassword('');
        await invalidate();
      },
    }),
  );
  const removePersonalData = useMutation(
    trpc.users.removePersonalData.mutationOptions({
      onSuccess: async (updated) => {
        toast.show(`Personal data removed; the account is now “${updated.name}”`, 'success');
        setConfirmingRemoval(false);
        await invalidate();
      },
      onError: (error) => {
        setConfirmingRemoval(false);
        onError(error);
      },
    }),
  );
  const isRemoved = user.pseudonymisedAt !== null;
  const isDisabled = user.banned;
  return (
    <>
      <tr data-testid={`user-row-${user.email}`} data-disabled={isDisabled} className={isDisabled ? 'bg-slate-50 text-slate-400' : ''}>
        <td className={`${tdClass} font-medium`}>{user.email}</td>
        <td className={tdClass}>{user.name}</td>
        <td className={tdClass}>
          {isRemoved ? (
            <span className="text-xs">{user.role}</span>
          ) : (
            <select
              aria-label={`Role of ${user.email}`}
              data-testid={`user-role-${user.email}`}
              className="rounded border border-slate-300 bg-white px-1 py-0.5 text-xs"
              value={user.role}
              // An admin cannot demote themself (the server refuses it too): one admin always remains.
              disabled={setRole.isPending || isSelf}
              title={isSelf ? 'You cannot change your own role' : undefined}
              onChange={(e) => setRole.mutate({ userId: user.id, role: toRole(e.target.value) })}
            >
              <option value="annotator">annotator</option>
              <option value="reviewer">reviewer</option>
              <option value="admin">admin</option>
            </select>
          )}
        </td>
        <td className={tdClass} data-testid={`user-status-${user.email}`}>
          {isRemoved ? (
            <span className="text-xs font-medium text-slate-500">data removed</span>
          ) : isDisabled ? (
            <span className="text-xs font-medium text-rose-700">disabled</span>
          ) : (
            <span className="text-xs text-emerald-700">active</span>
          )}
        </td>
        <td className={`${tdClass} text-xs text-slate-500`}>{user.createdAt.toLocaleDateString()}</td>
        <td className={`${tdClass} whitespace-nowrap text-right`}>
          {!isRemoved && (
            <>
              <button
                type="button"
                className={smallButtonClass}
                data-testid={`user-disable-${user.email}`}
                disabled={setDisabled.isPending || (isSelf && !isDisabled)}
                onClick={() => setDisabled.mutate({ userId: user.id, disabled: !isDisabled })}
              >
                {isDisabled ? 'Enable' : 'Disable'}
              </button>
              <button type="button" className={`${smallButtonClass} ml-1`} data-testid={`user-reset-${user.email}`} aria-expanded={isResetting} onClick={() => setResetting((v) => !v)}>
                Reset password
              </button>
              {!isSelf && (
                <button type="button" className={`${smallButtonClass} ml-1 text-rose-700`} data-testid={`user-remove-data-${user.email}`} onClick={() => setConfirmingRemoval(true)}>
                  Remove personal data
                </button>
              )}
            </>
          )}
          {/* Inside the cell: a <dialog> may not be a child of <tbody>; it inherits no nowrap or right alignment. */}
          {isConfirmingRemoval && (
            <div className="whitespace-normal text-left">
              <ConfirmDialog
                title={`Remove the personal data of ${user.name}?`}
                confirmLabel="Remove personal data"
                isPending={removePersonalData.isPending}
                onConfirm={() => removePersonalData.mutate({ userId: user.id })}
                onCancel={() => setConfirmingRemoval(false)}
                testId="remove-data-dialog"
              >
                <p>
                  The name and the email <strong>{user.email}</strong> are replaced by an anonymous name, every session ends, and the password and API keys are deleted. The account is disabled for
                  good.
                </p>
                <p className="mt-2">Their ratings stay and keep counting, under the anonymous name. This cannot be undone.</p>
              </ConfirmDialog>
            </div>
          )}
        </td>
      </tr>
      {isResetting && !isRemoved && (
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
              <label className="sr-only" htmlFor={`reset-password-${user.id}`}>
                New password for {user.email}
              </label>
              <input
                id={`reset-password-${user.id}`}
                data-testid={`user-reset-password-${user.email}`}
                type="password"
                autoComplete="new-password"
                autoFocus
                maxLength={128}
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
              <div className="basis-full text-xs text-slate-500">Setting it signs {user.email} out everywhere.</div>
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
