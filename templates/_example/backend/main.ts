import { startCloneBackend } from '../../_shared/backend-main.js';
import { createExampleApp } from './app.js';
import { exampleTemplate } from './template.js';

startCloneBackend(exampleTemplate, (deps) => createExampleApp(deps));
