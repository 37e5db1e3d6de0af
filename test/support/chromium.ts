// Headless Chromium for the browser tests: the machine's binary (CHROMIUM_PATH, else Debian's), a
// profile of the caller's, and nothing that reaches the network on its own.
import { type BrowserContext, chromium } from 'playwright-core';

/** A browser on `profile`, a directory the caller made and removes. */
export async function launchChromium(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
