import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { Evaluation } from './evaluation.js';
import { redact } from './evaluation.js';
import type { Logger } from './log.js';

/**
 * The template kit's MCP server: Streamable HTTP at `/mcp` (stateless, JSON answers),
 * authenticated with the clone's own credential as a bearer token. A template declares
 * only its tools (backend/mcp-tools.ts); each tool calls the clone's own API in-process
 * with the caller's token, so auth, scopes, rate limits, faults and the journal are the
 * API's. Results are the vendor's JSON; vendor errors become MCP tool errors.
 */

/** The clone's own API, reached in-process with the MCP caller's token. */
export type AppFetch = (
  path: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<Response>;

/** A tool failed the way the vendor fails: `code` is the vendor's error code, `body` its answer. */
export class McpToolError extends Error {
  constructor(
    readonly code: string,
    readonly body: unknown,
  ) {
    super(code);
    this.name = 'McpToolError';
  }
}

export interface McpTool<Api> {
  name: string;
  description: string;
  input: z.ZodObject;
  readOnly?: boolean;
  run(args: Record<string, unknown>, api: Api): Promise<unknown>;
}

/** What a template writes for one tool: `run` sees the arguments as its schema parsed them. */
export interface ToolDefinition<Api, S extends z.ZodObject> {
  name: string;
  description: string;
  input: S;
  readOnly?: boolean;
  run(args: z.output<S>, api: Api): Promise<unknown>;
}

/** The `tool(...)` helper of one template's API client, typing each tool's arguments by its schema. */
export const toolsFor =
  <Api>() =>
  <S extends z.ZodObject>(tool: ToolDefinition<Api, S>): McpTool<Api> =>
    tool as unknown as McpTool<Api>;

export interface McpOptions<Api> {
  /** The server name clients see (`asymmetric-slack`). */
  name: string;
  version: string;
  tools: readonly McpTool<Api>[];
  /** Who the token acts as (the journal's actor), or null when the clone does not take it. */
  authenticate(token: string): Promise<string | null>;
  /** The template's client for its own API, bound to one caller. */
  api(fetch: AppFetch): Api;
  /** The app the tools call (its `request`, so no socket is involved). */
  app: { request(input: string, init?: RequestInit): Response | Promise<Response> };
  evaluation: Evaluation;
  isReady(): boolean;
  log: Logger;
}

/** The JSON Schema MCP clients see for a tool's input: what the caller may pass. */
export function inputSchema(schema: z.ZodObject): Tool['inputSchema'] {
  const {
    $schema: _drop,
    additionalProperties: _open,
    ...json
  } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { ...json, type: 'object' } as Tool['inputSchema'];
}

/** The text of a result: the vendor's JSON as it answered. */
const text = (value: unknown): CallToolResult['content'] => [
  { type: 'text', text: typeof value === 'string' ? value : JSON.stringify(value) },
];

const bearer = (header: string | undefined) => /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? null;

/** A JSON-RPC error answer outside any session (auth, readiness, methods the server lacks). */
const rpcError = (code: number, message: string) => ({ jsonrpc: '2.0', error: { code, message }, id: null });

/** Larger JSON-RPC messages are refused before they are read (a file's text travels in one). */
export const MCP_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The routes to mount at `/mcp`. */
export function createMcpRoutes<Api>(options: McpOptions<Api>): Hono {
  const listed: Tool[] = options.tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: inputSchema(tool.input),
    ...(tool.readOnly !== undefined ? { annotations: { readOnlyHint: tool.readOnly } } : {}),
  }));
  const byName = new Map(options.tools.map((tool) => [tool.name, tool]));
  const routes = new Hono();

  routes.post(
    '/',
    bodyLimit({
      maxSize: MCP_MAX_BODY_BYTES,
      onError: (c) =>
        c.json(rpcError(-32600, `The request is larger than ${MCP_MAX_BODY_BYTES} bytes.`), 413),
    }),
    async (c) => {
      const token = bearer(c.req.header('authorization'));
      const challenge = { 'WWW-Authenticate': 'Bearer realm="asymmetric"' };
      if (token === null) {
        return c.json(
          rpcError(-32001, 'Send the clone credential as Authorization: Bearer <token>.'),
          401,
          challenge,
        );
      }
      if (!options.isReady())
        return c.json(rpcError(-32002, 'The clone is still starting.'), 503, { 'Retry-After': '1' });
      const actor = await options.authenticate(token);
      if (actor === null)
        return c.json(rpcError(-32001, 'The token is not valid for this clone.'), 401, challenge);

      // The inner calls go to the same origin the client used, so URLs the API hands out
      // (file uploads, hosted pages) point where the client can reach them.
      const origin = new URL(c.req.url).origin;
      const fetch: AppFetch = async (path, init = {}) =>
        options.app.request(new URL(path, origin).toString(), {
          ...init,
          headers: { ...init.headers, authorization: `Bearer ${token}` },
        });
      const api = options.api(fetch);

      const server = new Server(
        { name: options.name, version: options.version },
        { capabilities: { tools: {} } },
      );
      server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listed }));
      server.setRequestHandler(CallToolRequestSchema, async (request) => {
        const { name, arguments: given = {} } = request.params;
        const tool = byName.get(name);
        if (!tool) return { isError: true, content: text(`Unknown tool: ${name}`) };
        const at = new Date().toISOString();
        const order = options.evaluation.journal.begin();
        const started = performance.now();
        const result = await runTool(tool, given, api, options.log);
        if (options.evaluation.journal.enabled) {
          // The tool call itself, next to the API calls it made (those are journaled by the
          // API's own middleware): `trace` shows that the agent came in through MCP.
          options.evaluation.journal.record({
            at,
            order,
            method: `mcp:${name}`,
            status: 200,
            ok: !result.isError,
            error: result.isError ? result.code : null,
            ms: Math.round((performance.now() - started) * 10) / 10,
            actor,
            args: redact(given) as Record<string, unknown>,
          });
        }
        return { isError: result.isError, content: result.content };
      });

      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      await server.connect(transport);
      try {
        return await transport.handleRequest(c.req.raw);
      } finally {
        await server.close();
      }
    },
  );

  // Stateless: no server-sent stream to open and no session to end.
  routes.on(['GET', 'DELETE'], '/', (c) =>
    c.json(rpcError(-32000, 'Method not allowed: this server is stateless; POST JSON-RPC requests.'), 405, {
      Allow: 'POST',
    }),
  );
  return routes;
}

async function runTool<Api>(
  tool: McpTool<Api>,
  given: Record<string, unknown>,
  api: Api,
  log: Logger,
): Promise<{ isError: boolean; code: string | null; content: CallToolResult['content'] }> {
  const parsed = tool.input.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`,
    );
    return {
      isError: true,
      code: 'invalid_arguments',
      content: text(`Invalid arguments for ${tool.name}: ${problems.join('; ')}`),
    };
  }
  try {
    return {
      isError: false,
      code: null,
      content: text(await tool.run(parsed.data as Record<string, unknown>, api)),
    };
  } catch (error) {
    if (error instanceof McpToolError) return { isError: true, code: error.code, content: text(error.body) };
    log.error(`mcp: tool ${tool.name} failed`, error);
    return {
      isError: true,
      code: 'internal_error',
      content: text(`The tool ${tool.name} failed inside the clone.`),
    };
  }
}
