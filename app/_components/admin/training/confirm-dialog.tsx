'use client';
/**
 * A yes/no question in a native modal <dialog>: the browser keeps focus inside it, makes the page
 * behind inert, and closes it on Escape.
 */
import { useEffect, useRef } from 'react';
import { buttonClass, secondaryButtonClass } from '../ui';

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  isPending,
  onConfirm,
  onCancel,
  testId = 'confirm-dialog',
}: {
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  isPending?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      aria-labelledby={`${testId}-title`}
      data-testid={testId}
      className="m-auto w-full max-w-md rounded-xl bg-white p-5 shadow-xl backdrop:bg-scrim"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${testId}-title`} className="text-base font-semibold">
        {title}
      </h2>
      <div className="mt-2 text-sm text-slate-600">{children}</div>
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" className={secondaryButtonClass} onClick={onCancel} data-testid={`${testId}-cancel`}>
          Cancel
        </button>
        <button type="button" className={buttonClass} onClick={onConfirm} disabled={isPending} data-testid={`${testId}-confirm`} autoFocus>
          {isPending ? 'Working…' : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
