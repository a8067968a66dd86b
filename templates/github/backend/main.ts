import { startCloneBackend } from '../../_shared/backend-main.js';
import { createGithubApp } from './app.js';
import { githubTemplate } from './template.js';

startCloneBackend(githubTemplate, (deps) => createGithubApp(deps));
