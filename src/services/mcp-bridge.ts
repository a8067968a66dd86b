import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { AsymError } from '../errors.js';
import { requireClone, requireEnvironment } from '../registry/lookup.js';
import type { CloneRecord, Registry } from '../registry/schema.js';
import { getTemplate } from '../templates/catalog.js';
import { listClones } from './clone-service.js';
import type { AppContext } from './context.js';

/**
 * `asymmetric mcp <clone|environment>`: a stdio MCP server that is only a bridge. The
 * tools live once, in each clone's backend (`endpoints.mcp`); this forwards `tools/list`
 * and `tools/call` there with the credential the template names (its manifest's
 * `mcp.token`) from the registry.
 */

/** Between members, the separator of `<clone-id>__<tool>`. */
export const TOOL_PREFIX_SEPARATOR = '__';

export interface McpMember {
  cloneId: string;
  template: string;
  url: string;
  token: string;
}

/** The clones a name stands for: a clone id, else an environment's members. */
export function resolveTarget(registry: Registry, name: string): CloneRecord[] {
  if (registry.clones[name]) return [requireClone(registry, name)];
  if (registry.environments[name]) {
    return requireEnvironment(registry, name)
      .members.map((id) => registry.clones[id])
      .filter((clone): clone is CloneRecord => clone !== undefined);
  }
  const known = [...Object.keys(registry.clones), ...Object.keys(registry.environments)];
  throw new AsymError('CLONE_NOT_FOUND', `There is no clone or environment "${name}".`, {
    hint: known.length ? `Known: ${known.join(', ')}.` : 'Create one with `asymmetric spin <template>`.',
  });
}

/** The running members that serve MCP, each with its endpoint and credential. */
export async function mcpMembers(ctx: AppContext, name: string): Promise<McpMember[]> {
  const registry = await ctx.store.read();
  const clones = resolveTarget(registry, name);
  const live = new Map((await listClones(ctx)).map((view) => [view.id, view]));
  const members: McpMember[] = [];
  for (const clone of clones) {
    const template = getTemplate(clone.template);
    const view = live.get(clone.id);
    if (!template.mcp || !view?.endpoints.mcp) continue;
    if (view.state !== 'running') {
      throw new AsymError(
        'CLONE_NOT_RUNNING',
        `Clone ${clone.id} is ${view.state}, so its tools cannot be served.`,
        {
          hint: `Start it with \`asymmetric start ${clone.id}\`.`,
        },
      );
    }
    const token = clone.tokens?.[template.mcp.token];
    if (!token) {
      throw new AsymError('CLONE_NOT_RUNNING', `Clone ${clone.id} has no ${template.mcp.token} yet.`, {
        hint: `Mint its tokens with \`asymmetric tokens ${clone.id} --reprovision\`.`,
      });
    }
    members.push({ cloneId: clone.id, template: clone.template, url: view.endpoints.mcp, token });
  }
  if (members.length === 0) {
    throw new AsymError('MCP_NOT_SERVED', `No clone of "${name}" serves MCP.`, {
      hint: 'Templates serve MCP when their manifest declares `mcp` (see templates/README.md).',
    });
  }
  return members;
}

interface Route {
  member: McpMember;
  tool: string;
}

/** A member's live connection; replaced when its token was rotated under the bridge. */
interface Connection {
  member: McpMember;
  client: Client;
}

async function connectMember(member: McpMember, version: string): Promise<Client> {
  const client = new Client({ name: 'asymmetric-mcp-bridge', version });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(member.url), {
      requestInit: { headers: { authorization: `Bearer ${member.token}` } },
    }),
  );
  return client;
}

const unauthorized = (error: unknown) => (error as { code?: unknown } | null)?.code === 401;

/**
 * Connects to every member and serves their tools together on `transport`. Names stay
 * unique: a member keeps the plain names unless one of them is already taken by an
 * earlier member (the first clone of each template), and then all its tools are
 * `<clone-id>__<name>`. When a clone refuses the token (`tokens --reprovision` ran since),
 * `freshToken` is asked for the current one and the call is tried once more. Resolves
 * when the client hangs up.
 */
export async function serveMcpBridge(
  members: McpMember[],
  transport: Transport,
  version: string,
  freshToken: (member: McpMember) => Promise<string | null> = async () => null,
): Promise<void> {
  const connections = new Map<string, Connection>();
  const routes = new Map<string, Route>();
  const tools: Tool[] = [];
  const closeAll = () =>
    Promise.all([...connections.values()].map(({ client }) => client.close().catch(() => {})));
  try {
    for (const member of members) {
      const client = await connectMember(member, version).catch((error: unknown) => {
        throw new AsymError(
          'CLONE_UNHEALTHY',
          `Clone ${member.cloneId} did not answer MCP at ${member.url}.`,
          {
            hint: `Check it with \`asymmetric status ${member.cloneId}\` (${error instanceof Error ? error.message : String(error)}).`,
          },
        );
      });
      connections.set(member.cloneId, { member, client });
      const listed = await listAll(client);
      const clash = listed.some((tool) => routes.has(tool.name));
      for (const tool of listed) {
        const name = clash ? `${member.cloneId}${TOOL_PREFIX_SEPARATOR}${tool.name}` : tool.name;
        routes.set(name, { member, tool: tool.name });
        tools.push({
          ...tool,
          name,
          description:
            members.length > 1 ? `[${member.cloneId}] ${tool.description ?? ''}` : tool.description,
        });
      }
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  const callOn = async (route: Route, args: Record<string, unknown>) => {
    const connection = connections.get(route.member.cloneId) as Connection;
    try {
      return (await connection.client.callTool({ name: route.tool, arguments: args })) as CallToolResult;
    } catch (error) {
      const token = unauthorized(error) ? await freshToken(connection.member) : null;
      if (!token || token === connection.member.token) throw error;
      const member = { ...connection.member, token };
      const client = await connectMember(member, version);
      await connection.client.close().catch(() => {});
      connections.set(member.cloneId, { member, client });
      return (await client.callTool({ name: route.tool, arguments: args })) as CallToolResult;
    }
  };

  const server = new Server({ name: 'asymmetric', version }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const route = routes.get(request.params.name);
    if (!route)
      return { isError: true, content: [{ type: 'text', text: `Unknown tool: ${request.params.name}` }] };
    try {
      return await callOn(route, request.params.arguments ?? {});
    } catch (error) {
      // The clone went away mid-session (stopped, destroyed) or its tokens were revoked: the
      // agent sees why, and the bridge stays up.
      const why = error instanceof Error ? error.message : String(error);
      const text = unauthorized(error)
        ? `Clone ${route.member.cloneId} refused the token the registry holds (${why}).`
        : `Clone ${route.member.cloneId} did not answer (${why}); is it running?`;
      return { isError: true, content: [{ type: 'text', text }] };
    }
  });
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  await server.connect(transport);
  await closed;
  await closeAll();
}

/** The member's credential as the registry holds it now. */
export async function currentToken(ctx: AppContext, member: McpMember): Promise<string | null> {
  const clone = (await ctx.store.read()).clones[member.cloneId];
  const key = clone ? getTemplate(clone.template).mcp?.token : undefined;
  return (key && clone?.tokens?.[key]) || null;
}

async function listAll(client: Client): Promise<Tool[]> {
  const tools: Tool[] = [];
  let cursor: string | undefined;
  // Bounded: a server that keeps answering cursors cannot hold the bridge forever.
  for (let page = 0; page < 100; page++) {
    const result = await client.listTools(cursor ? { cursor } : {});
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}
