import type { Metadata } from 'next';
import { TRPCReactProvider } from './_trpc/react';
import { ToastProvider } from './_components/toast';
import { AppHeader } from './_components/app-header';
import { THEME_BOOT_SCRIPT } from './_components/theme';
import './globals.css';

export const metadata: Metadata = { title: 'Feedloop', description: 'Human feedback for language models' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    // The boot script adds `dark` to <html> before React hydrates: the class is expected to differ.
    <html lang="en" suppressHydrationWarning>
      <head>
        {/* Sets the theme before the first paint, so a dark system never flashes a light page. */}
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant script of ours, no user data */}
        <script dangerouslySetInnerHTML={{ __html: THEME_BOOT_SCRIPT }} />
      </head>
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
