'use client';
/** The audit log: who did what to whom, and when, newest first, a page at a time. */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTRPC } from '@/app/_trpc/react';
import { ErrorBox } from './error-box';
import { cardClass, smallButtonClass, tableClass, tdClass, thClass } from './ui';

const PAGE_SIZE = 50;

type Details = Record<string, string | number | boolean | null>;

/** What an action reads as in the log, with the details that matter for it. */
function describeAction(action: string, details: Details): string {
  switch (action) {
    case 'user.create':
      return `created the account (${String(details.role ?? 'annotator')})`;
    case 'user.disable':
      return 'disabled the account';
    case 'user.enable':
      return 'enabled the account';
    case 'user.reset-password':
      return 'set a new password (signed out everywhere)';
    case 'user.set-role':
      return `changed the role from ${String(details.from)} to ${String(details.to)}`;
    case 'user.remove-personal-data':
      return 'removed the personal data';
    case 'api-key.create':
      return `created the API key “${String(details.name ?? '')}” (${String(details.scope ?? '').toLowerCase()})`;
    case 'api-key.revoke':
      return `revoked the API key “${String(details.name ?? '')}”`;
    default:
      return action;
  }
}

export function AuditLogPanel() {
  const trpc = useTRPC();
  const log = useInfiniteQuery(trpc.users.auditLog.infiniteQueryOptions({ limit: PAGE_SIZE }, { getNextPageParam: (page) => page.nextCursor ?? undefined }));
  const rows = log.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-labelledby="audit-log-title" className="space-y-2">
      <h2 id="audit-log-title" className="text-base font-semibold">
        Audit log
      </h2>
      <p className="text-xs text-slate-500">Every change to an account or API key, by whom. Newest first.</p>
      {log.error && <ErrorBox error={log.error} testId="audit-log-error" />}
      {!log.data && !log.error && <p className="text-sm text-slate-500">Loading the audit log…</p>}
      {log.data && rows.length === 0 && <p className="text-sm text-slate-500">Nothing recorded yet.</p>}
      {rows.length > 0 && (
        <div className={`${cardClass} overflow-x-auto`}>
          <table className={tableClass} data-testid="audit-log">
            <thead>
              <tr>
                <th className={thClass}>When</th>
                <th className={thClass}>Who</th>
                <th className={thClass}>What</th>
                <th className={thClass}>Whom</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.id} data-testid="audit-log-row" data-action={row.action}>
                  <td className={`${tdClass} whitespace-nowrap text-xs text-slate-500`}>
                    <time dateTime={row.createdAt.toISOString()}>{row.createdAt.toLocaleString()}</time>
                  </td>
                  <td className={tdClass}>{row.actor?.name ?? 'System'}</td>
                  <td className={tdClass}>{describeAction(row.action, row.details)}</td>
                  <td className={tdClass}>{row.target ? (row.target.name ?? row.target.id) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {log.hasNextPage && (
        <button type="button" className={smallButtonClass} disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
          {log.isFetchingNextPage ? 'Loading…' : 'Show older entries'}
        </button>
      )}
    </section>
  );
}
