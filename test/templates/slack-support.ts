import { ErrorCode, type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { createSlackApp } from '../../templates/slack/backend/app.js';
import { slackTemplate } from '../../templates/slack/backend/template.js';
import { type CloneUnderTest, openClone } from './harness.js';

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

/** Ids the acme-corp seed gives its channels, people and user groups. */
export const ENGINEERING = 'C0ACME0ENG3';
export const ENGINEERS = 'S0ACME0ENG1';
export const GENERAL = 'C0ACME0GEN1';
export const GRACE = 'U0ACME00G11';
export const INCIDENTS = 'C0ACME0INC7';
export const LEADERSHIP = 'C0ACME0LDR9';
export const MARCUS = 'U0ACME00M02';
export const OLD_WEBSITE = 'C0ACME0OLDX';
export const PRIYA = 'U0ACME00P03';
export const RANDOM = 'C0ACME0RND2';

/** The official WebClient against a clone at `url`, without retries (tests want the first answer). */
export const slackClient = (url: string, token: string) =>
  new WebClient(token, { slackApiUrl: `${url}/api/`, retryConfig: { retries: 0 } });

/** A clone seeded with acme-corp, without rate limits (suites call faster than Slack's tiers). */
export const openSlackClone = (database: string): Promise<CloneUnderTest> =>
  openClone({
    template: slackTemplate,
    createApp: (deps) => createSlackApp({ ...deps, rateLimits: { enabled: false } }),
    database,
    seedFixture: 'acme-corp',
  });
