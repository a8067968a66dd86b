import { startCloneBackend } from '../../_shared/backend-main.js';
import { createSlackApp } from './app.js';
import { slackTemplate } from './template.js';

// Rate limits are on unless ASYM_RATE_LIMITS=off (an evaluation may want to ignore them).
const rateLimitsEnabled = (process.env.ASYM_RATE_LIMITS ?? 'on').trim().toLowerCase() !== 'off';

startCloneBackend(slackTemplate, (deps) =>
  createSlackApp({ ...deps, rateLimits: { enabled: rateLimitsEnabled } }),
);
