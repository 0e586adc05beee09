import type { Metadata } from 'next';
import { TRPCReactProvider } from './_trpc/react';
import { ToastProvider } from './_components/toast';
import { AppHeader } from './_components/app-header';
import './globals.css';

export const metadata: Metadata = { title: 'Feedloop', description: 'Human feedback for language models' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 text-slate-900 antialiased">
        <TRPCReactProvider>
          <ToastProvider>
            <AppHeader />
            {children}
          </ToastProvider>
        </TRPCReactProvider>
      </body>
    </html>
  );
}
