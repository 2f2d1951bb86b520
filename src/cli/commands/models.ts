import type { LoadedConfig } from '../../config.js';
import { type CatalogModel, MODEL_CATALOG, resolveModelId } from '../../models/model-catalog.js';
import { modelPrice } from '../../models/model-price.js';
import type { CommandRun } from '../cli-context.js';
import { configFor } from '../open-kb.js';

interface ModelRow {
  id: string;
  kind: CatalogModel['kind'];
  name: string;
  /** Context window (chat) or dimensions (embedding). */
  size: string;
  inputPer1k: number | undefined;
  outputPer1k: number | undefined;
  /** Rerank models: USD per 1,000 queries. */
  per1kQueries?: number;
  regions: string[];
  profiles: string[];
  configured: Array<'embedding' | 'answer'>;
  /** With provider bedrock: whether the account offers it in the region (directly or through a profile). */
  available?: boolean;
  /** The profile id to call from this region when only a profile offers it. */
  viaProfile?: string;
}

/** `kb models`: the catalogue, the configured models marked; on Bedrock also what the account offers in the region. */
export const run: CommandRun = async (_args, options, ctx) => {
  const config = await configFor(ctx, options);
  const account = config.provider === 'bedrock' ? await (await import('../../models/list-account-models.js')).listAccountModels({ bedrock: config.bedrock, bearerToken: config.env.bearerToken }) : undefined;
  const rows = MODEL_CATALOG.map((m) => row(m, config, account));
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify({ provider: config.provider, ...(account ? { region: account.region } : {}), models: rows }, null, 2)}\n`);
    return 0;
  }
  ctx.stdout.write(formatTable(rows, account?.region));
  return 0;
};

function row(m: CatalogModel, config: LoadedConfig, account: { foundationModels: string[]; inferenceProfiles: string[] } | undefined): ModelRow {
  const price = modelPrice(config, m.id);
  const embedding = config.embedding.model ?? (config.provider === 'bedrock' ? 'amazon.titan-embed-text-v2:0' : 'local-hash-v1');
  const answer = resolveModelId(config.bedrock.applicationProfiles[config.answer.model] ?? config.answer.model)?.model.id;
  const configured: ModelRow['configured'] = [...(embedding === m.id ? ['embedding' as const] : []), ...(config.provider === 'bedrock' && answer === m.id ? ['answer' as const] : [])];
  const viaProfile = account?.inferenceProfiles.find((p) => p.endsWith(`.${m.id}`));
  return {
    id: m.id, kind: m.kind, name: m.name,
    size: m.kind === 'chat' ? `${(m.contextTokens ?? 0) / 1000}k ctx` : m.kind === 'rerank' ? 'rerank' : `${m.dimensions!.join('/')} dims`,
    inputPer1k: price?.inputPer1k, outputPer1k: price?.outputPer1k, ...(price?.per1kQueries !== undefined ? { per1kQueries: price.per1kQueries } : {}), regions: m.regions, profiles: m.profiles, configured,
    ...(account && m.family !== 'local' ? { available: account.foundationModels.includes(m.id) || viaProfile !== undefined } : {}),
    ...(viaProfile && !account?.foundationModels.includes(m.id) ? { viaProfile } : {}),
  };
}

function formatTable(rows: ModelRow[], region: string | undefined): string {
  const cells = rows.map((r) => [
    `${r.configured.length ? '*' : ' '} ${r.id}`,
    r.kind,
    r.size,
    r.per1kQueries !== undefined ? `$${r.per1kQueries} per 1k queries` : r.inputPer1k === undefined ? '?' : `$${r.inputPer1k}/${r.outputPer1k ?? 0}`,
    r.available === false ? `not in ${region}` : r.viaProfile ? `via ${r.viaProfile}` : r.regions.length ? `${r.regions.length} regions` : 'offline',
  ]);
  const header = ['  model', 'kind', 'context/dims', 'USD per 1k in/out', region ? `in ${region}` : 'regions'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
  const configured = rows.filter((r) => r.configured.length).map((r) => `${r.id} (${r.configured.join(', ')})`);
  return `${[line(header), ...cells.map(line)].join('\n')}\n\n* configured: ${configured.join('; ') || 'none'}\n`;
}
