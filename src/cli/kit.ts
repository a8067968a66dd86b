import type { Reporter } from '../log.js';
import { type AppContext, createContext } from '../services/context.js';
import { type CliIO, createReporter, writeJson } from './io.js';

/** What every command file gets: a way to make the services' context, and to print. */
export interface CommandKit {
  io: CliIO;
  /** The services' context for one command; progress is silent with --json. */
  context(json: boolean): Promise<AppContext & { reporter: Reporter & { stop(): void } }>;
  /** One JSON document on stdout with --json, else the human rendering. */
  print<T>(json: boolean, data: T, human: (data: T) => string): void;
  /**
   * What most commands are: make the context, run the service (its progress stopped however
   * it ends), print its result. Returns the result for commands that judge it afterwards.
   */
  run<T>(
    json: boolean | undefined,
    work: (ctx: AppContext & { reporter: Reporter }) => Promise<T>,
    human: (data: T) => string,
  ): Promise<T>;
}

export function createKit(io: CliIO): CommandKit {
  return {
    io,
    async context(json) {
      const reporter = await createReporter(io, json);
      const ctx = createContext({
        env: io.env,
        reporter,
        ...(io.runtime ? { runtime: io.runtime } : {}),
        ...(io.images ? { images: io.images } : {}),
        ...(io.now ? { now: io.now } : {}),
      });
      return { ...ctx, reporter };
    },
    print(json, data, human) {
      if (json) writeJson(io, data);
      else io.stdout.write(human(data));
    },
    async run(json, work, human) {
      const ctx = await this.context(Boolean(json));
      const data = await work(ctx).finally(() => ctx.reporter.stop());
      this.print(Boolean(json), data, human);
      return data;
    },
  };
}
