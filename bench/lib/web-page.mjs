/** Debian's Chromium (or $TRANCHE_CHROMIUM) and the switches every browser run of the bench uses (headless is Playwright's). */
export const CHROMIUM = process.env.TRANCHE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** The uploader page of a running `tranche serve`, in a new tab, signed in, recording main-thread long tasks. */
export async function signedInPage(browser, server) {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longTasks.push(Math.round(entry.duration));
    }).observe({ type: 'longtask' });
  });
  await page.goto(server.origin);
  await page.getByLabel('Access token').fill(server.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Upload to/ }).waitFor();
  return page;
}
