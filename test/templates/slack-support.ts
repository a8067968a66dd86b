import { ErrorCode, type WebAPIPlatformError } from '@slack/web-api';

/** What the Slack suites share: reading the Slack error a rejected WebClient call carried. */
export async function slackError(call: Promise<unknown>): Promise<WebAPIPlatformError['data']> {
  try {
    await call;
  } catch (error) {
    const platform = error as WebAPIPlatformError;
    if (platform.code === ErrorCode.PlatformError) return platform.data;
    throw error;
  }
  throw new Error('expected the call to fail');
}
