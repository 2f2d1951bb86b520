import type { KbConfig } from '../config.js';

/** Where a knowledge base lives, for messages: its folder, or its database URL without the password. */
export function storeLocation(config: Pick<KbConfig, 'kbDir' | 'store'>): string {
  if (!config.store.url) return config.kbDir;
  try {
    const url = new URL(config.store.url);
    url.password = '';
    return url.toString();
  } catch {
    return 'the configured PostgreSQL database';
  }
}
