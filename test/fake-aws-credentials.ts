export const FAKE_ACCESS_KEY_ID = 'AKIDEXAMPLE';
export const FAKE_SECRET_ACCESS_KEY = 'secret';

/**
 * The SDK's default credential chain reads process.env itself: give it fake keys (the emulator checks the SigV4
 * shape, and the secret only where a test configures it), and clear whatever the developer's shell had set.
 */
export function useFakeAwsCredentials(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.AWS_ACCESS_KEY_ID = FAKE_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = FAKE_SECRET_ACCESS_KEY;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_BEARER_TOKEN_BEDROCK;
}
