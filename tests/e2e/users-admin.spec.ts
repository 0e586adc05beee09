/** The admin's Users page: role change, "Remove personal data" behind its dialog, the audit log. */
import { randomBytes } from 'node:crypto';
import { test, expect, signIn } from './fixtures';

test('[ADMIN] changes a role, removes a person’s data after confirming, and reads both in the audit log', async ({ page, e2e, database }) => {
  const person = { email: `person-${randomBytes(3).toString('hex')}@example.test`, name: 'Grace Person', password: 'person password 1' };
  await signIn(page, e2e.adminEmail, e2e.adminPassword, /\/admin$/);
  await page.goto('/admin/users');
  await page.getByTestId('user-create-email').fill(person.email);
  await page.getByTestId('user-create-name').fill(person.name);
  await page.getByTestId('user-create-password').fill(person.password);
  await page.getByTestId('user-create-submit').click();
  const row = page.getByTestId(`user-row-${person.email}`);
  await expect(row).toBeVisible();
  const { rows: created } = await database.query<{ id: string }>('SELECT id FROM "user" WHERE email = $1', [person.email]);
  const userId = created[0].id;

  await row.getByRole('combobox', { name: `Role of ${person.email}` }).selectOption('admin');
  await expect.poll(async () => (await database.query<{ role: string }>('SELECT role FROM "user" WHERE id = $1', [userId])).rows[0].role).toBe('admin');

  // The dialog says what happens; Cancel changes nothing.
  await row.getByRole('button', { name: 'Remove personal data' }).click();
  const dialog = page.getByRole('dialog', { name: `Remove the personal data of ${person.name}?` });
  await expect(dialog).toContainText('Their ratings stay and keep counting');
  await expect(dialog).toContainText('This cannot be undone');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect((await database.query('SELECT 1 FROM "user" WHERE id = $1 AND "pseudonymisedAt" IS NULL', [userId])).rowCount).toBe(1);

  await row.getByRole('button', { name: 'Remove personal data' }).click();
  await dialog.getByRole('button', { name: 'Remove personal data' }).click();
  const removedEmail = `removed-${userId}@invalid`;
  await expect(page.getByTestId(`user-status-${removedEmail}`)).toHaveText('data removed');
  await expect(row).toBeHidden();
  const { rows: stored } = await database.query<{ name: string; email: string; banned: boolean; pseudonymised: boolean }>(
    'SELECT name, email, banned, "pseudonymisedAt" IS NOT NULL AS pseudonymised FROM "user" WHERE id = $1',
    [userId],
  );
  expect(stored[0]).toMatchObject({ email: removedEmail, banned: true, pseudonymised: true });
  expect(stored[0].name).toMatch(/^Removed user [0-9a-f]+$/);
  // A removed account offers no more actions.
  await expect(page.getByTestId(`user-row-${removedEmail}`).getByRole('button')).toHaveCount(0);

  // The audit log, newest first: who did what to whom.
  const log = page.getByRole('region', { name: 'Audit log' });
  const entries = log.getByTestId('audit-log-row').filter({ hasText: stored[0].name });
  await expect(entries).toHaveCount(3);
  await expect(entries.nth(0)).toContainText('removed the personal data');
  await expect(entries.nth(1)).toContainText('changed the role from annotator to admin');
  await expect(entries.nth(2)).toContainText('created the account (annotator)');
  for (const index of [0, 1, 2]) await expect(entries.nth(index)).toContainText('E2E Admin');
  await expect(log).not.toContainText(person.name);
  await expect(log).not.toContainText(person.email);
});
