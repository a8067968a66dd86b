import type { Command } from 'commander';
import type { CommandKit } from '../kit.js';

export function registerMcp(program: Command, kit: CommandKit): void {
  program
    .command('mcp')
    .description("serve a clone's (or an environment's) tools as a stdio MCP server")
    .argument('<target>', 'a clone id or an environment name')
    .addHelpText(
      'after',
      '\nFor MCP clients that start servers as processes, e.g.\n  {"command": "npx", "args": ["asym", "mcp", "acme"]}\n',
    )
    .action(async (target: string) => {
      const { currentToken, mcpMembers, serveMcpBridge } = await import('../../services/mcp-bridge.js');
      const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
      // stdout carries the protocol: the context is made silent, as with --json.
      const ctx = await kit.context(true);
      const members = await mcpMembers(ctx, target).finally(() => ctx.reporter.stop());
      await serveMcpBridge(members, new StdioServerTransport(), program.version() ?? '0.0.0', (member) =>
        currentToken(ctx, member),
      );
    });
}
