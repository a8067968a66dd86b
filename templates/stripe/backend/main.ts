import { startCloneBackend } from '../../_shared/backend-main.js';
import { createStripeApp } from './app.js';
import { stripeTemplate } from './template.js';

startCloneBackend(stripeTemplate, (deps) => createStripeApp(deps));
