/**
 * The console in Chromium against a real server: signing in (a wrong password shows the server's
 * words, the right one the dashboard), signing out, a session that expires on the server (its
 * clock moved past the idle timeout) sending the user back to sign-in with "expired", and the
 * frame used by keyboard alone.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN_USER, consoleForFile, testClock } from '../../testkit/browser.js';

const IDLE_SECONDS = 60;
const clock = testClock();
const h = consoleForFile({ clock: clock.now, overrides: { sessionIdleSeconds: IDLE_SECONDS } });

describe('console sign-in, sign-out and session expiry', () => {
  it('refuses a wrong password with the server message, then signs in to the dashboard', async () => {
    const { page } = h();
    await page.goto(h().url);
    await page.getByRole('heading', { level: 1, name: 'Sign in to Osprey' }).waitFor();
    await h().submitSignIn(ADMIN_USER.username, 'not-the-password');
    const refused = page.getByRole('form', { name: 'sign in' }).getByRole('alert');
    await refused.getByText('wrong user name or password').waitFor();
    await h().screenshot('sign-in-refused');

    await h().signIn(ADMIN_USER.username, ADMIN_USER.password);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(await page.getByRole('banner').innerText()).toContain(ADMIN_USER.username);
    await h().screenshot('dashboard');
  });

  it('signs out: back to the sign-in form, and the token no longer works', async () => {
    const { page } = h();
    const stored = await page.evaluate<string | null>("sessionStorage.getItem('osprey.session')");
    const token = (JSON.parse(stored ?? '{}') as { token?: string }).token;
    expect(token).toMatch(/^oss_/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('form', { name: 'sign in' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('osprey.session')")).toBeNull();
    const after = await fetch(`${h().url}/rest/v1/sessions/current`, { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
  });

  it('sends the user back to sign-in with "expired" once the session ends on the server', async () => {
    const { page } = h();
    await h().signIn(ADMIN_USER.username, ADMIN_USER.password);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    clock.advance((IDLE_SECONDS + 5) * 1000);
    // The console asks the server about its session when it opens; the server says it expired.
    await page.reload();
    const form = page.getByRole('form', { name: 'sign in' });
    await form.getByText(/session has expired/i).waitFor();
    await h().screenshot('session-expired');
    expect((await h().axe()).map((f) => f.summary)).toEqual([]);
  });

  it('is usable by keyboard: Tab reaches the navigation and Sign out, Enter on a link navigates', async () => {
    const page = await h().newPage();
    await h().signIn(ADMIN_USER.username, ADMIN_USER.password);
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    // Tab through the page from the top, noting what takes the focus, until "Devices" has it.
    const seen: string[] = [];
    for (let i = 0; i < 30 && !seen.includes('link:Devices'); i++) {
      await page.keyboard.press('Tab');
      // The focused element as the accessibility tree has it, e.g. `- link "Devices"`.
      const focused = await page.locator(':focus').ariaSnapshot();
      const m = /^- (\w+) "([^"]*)"/.exec(focused);
      seen.push(m ? `${m[1]}:${m[2]}` : focused);
    }
    expect(seen).toContain('button:Sign out');
    expect(seen).toContain('link:Dashboard');
    expect(seen.indexOf('link:Devices'), seen.join(' → ')).toBeGreaterThan(seen.indexOf('link:Dashboard'));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/devices$/);
    await page.getByRole('heading', { level: 1, name: 'Devices' }).waitFor();
  });
});
