/**
 * Every sentence the mask checks show, built by small message functions from plain facts, one table per locale
 * (English, Simplified Chinese). The checks decide; this file only words. Token text is quoted as is: findings
 * are shown as text, never markup.
 */
import type { AttentionKind, Trace, TraceToken } from '../trace/types';
import type { InferenceBasis, Locale } from './types';

/** The tokens on a kind's key axis (and, for queries, its query axis). */
export function axisTokens(trace: Trace, kind: AttentionKind, axis: 'query' | 'key'): TraceToken[] {
  if (kind === 'encoder') return trace.input.tokens;
  if (kind === 'cross' && axis === 'key') return trace.input.tokens;
  return trace.positions;
}

export function formatWeight(p: number): string {
  return p >= 0.001 ? `${(p * 100).toFixed(p >= 0.1 ? 0 : 1)}%` : p.toExponential(1);
}

function shorten(text: string): string {
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

const sortedLayers = (layers: number[]) => [...new Set(layers)].sort((a, b) => a - b);

/** A token on an axis, as the facts the messages need. */
export interface TokenRef {
  source: boolean;
  index: number;
  text: string | null;
}

export function tokenRef(trace: Trace, kind: AttentionKind, axis: 'query' | 'key', index: number): TokenRef {
  const token = axisTokens(trace, kind, axis)[index];
  return { source: kind === 'encoder' || (kind === 'cross' && axis === 'key'), index, text: token ? shorten(token.text) : null };
}

type Cells = { layer: number; kind: AttentionKind }[];

/** The sentences of one language. Arguments are facts; the table decides the words and their order. */
export interface Wording {
  kindName(kind: AttentionKind): string;
  token(t: TokenRef): string;
  layerList(layers: number[]): string;
  whereList(cells: Cells): string;
  /** "2 cells" / "2 个单元格" */
  cells(n: number): string;
  leak(f: { where: string; count: number; weight: string; query: string; key: string }): string;
  causal(f: { where: string; query: string; key: string; count: number }): string;
  crossPadding(f: { hidden: string[]; more: number; where: string; singleLayer: boolean; weight: string }): string;
  wrongAxis(f: { where: string; hidden: string[]; more: number }): string;
  notApplied(f: { hidden: string[]; more: number; where: string; count: number; weight: string | null; encoder: boolean }): string;
  upperLeft(f: { sees: string; where: string; count: number }): string;
  /** "key 0" / "keys 0 to 3" */
  keysUpTo(last: number): string;
  hidesVisible(f: { count: number; causal: boolean; where: string; query: string; key: string }): string;
  probeUnsupported(reason: string): string;
  positions(f: {
    hidden: string;
    stateChange: { token: string; change: string } | null;
    next: { without: string; withHidden: string } | null;
  }): string;
  nextToken(text: string, prob: string): string;
  windowIgnored(f: { window: number; source: string; where: string; query: string; key: string; distance: number }): string;
  windowUndeclared(f: { graphWindow: number; where: string }): string;
  windowDiffers(f: { window: number; source: string; graphWindow: number; where: string }): string;
  windowUnseen(f: { window: number; longest: number }): string;
  notVerified(f: { what: string; kindBasis: InferenceBasis; layerBasis: InferenceBasis }): string;
  probeHide(token: string): string;
  paddingHide(token: string): string;
  paddingLeaveOut(token: string): string;
  paddingRetokenized(): string;
  paddingProbeFailed(): string;
  maskProbeFailed(reason: string): string;
  lengthsOnly(): string;
}

const EN_KINDS: Record<AttentionKind, string> = { self: 'self-attention', cross: 'cross-attention', encoder: 'encoder self-attention' };
const EN_BASIS: Record<InferenceBasis, string> = {
  structure: 'the graph structure',
  scope: 'node names alone',
  order: 'node order alone',
  assumed: 'nothing (assumed)',
};

const enList = (items: string[], more: number) => `${items.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
const enIs = (n: number) => (n === 1 ? 'is' : 'are');
const enIt = (n: number) => (n === 1 ? 'it' : 'them');

const en: Wording = {
  kindName: (kind) => EN_KINDS[kind],
  token: (t) => `${t.source ? 'source token' : 'position'} ${t.index}${t.text === null ? '' : ` “${t.text}”`}`,
  layerList(layers) {
    const s = sortedLayers(layers);
    return s.length === 1 ? `layer ${s[0]}` : `layers ${s.slice(0, -1).join(', ')} and ${s[s.length - 1]}`;
  },
  whereList(cells) {
    const byKind = new Map<AttentionKind, number[]>();
    for (const c of cells) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c.layer]);
    return [...byKind.entries()].map(([kind, layers]) => `${EN_KINDS[kind]} of ${en.layerList(layers)}`).join(', ');
  },
  cells: (n) => `${n} ${n === 1 ? 'cell' : 'cells'}`,
  leak: (f) =>
    `Attention leaks through the mask: in ${f.where}, ${en.cells(f.count)} the applied mask hides still get attention (up to ${f.weight}), e.g. ${f.query} puts ${f.weight} on hidden ${f.key}. A hidden key must get exactly 0: the mask value is too weak or is not added before the softmax.`,
  causal: (f) =>
    `The causal mask is missing: in ${f.where}, ${f.query} sees the later ${f.key} (${en.cells(f.count)} above the diagonal). A decoder must only see earlier tokens; this one reads the future, so it behaves differently than when it generates.`,
  crossPadding: (f) => {
    const n = f.hidden.length + f.more;
    return `Cross-attention reads encoder padding: ${enList(f.hidden, f.more)} ${enIs(n)} hidden by encoder_attention_mask, yet ${f.where} attend${f.singleLayer ? 's' : ''} to ${enIt(n)} (up to ${f.weight}). The decoder's output then depends on padding: batch it with other lengths and the results change.`;
  },
  wrongAxis: (f) => {
    const n = f.hidden.length + f.more;
    return `The attention_mask is applied on the wrong axis in ${f.where}: the rows (queries) of ${enList(f.hidden, f.more)} ${enIs(n)} hidden instead of their columns (keys), so every other token still reads ${enIt(n)}.`;
  },
  notApplied: (f) => {
    const n = f.hidden.length + f.more;
    const read = f.weight === null ? '' : ` and read ${enIt(n)} (up to ${f.weight})`;
    return `The attention_mask is not applied: ${enList(f.hidden, f.more)} ${enIs(n)} hidden, but ${f.where} still let ${f.count} ${f.count === 1 ? 'query–key cell' : 'query–key cells'} see ${enIt(n)}${read}. The model ignores its attention_mask${f.encoder ? ' in the encoder' : ''}: padding changes what it computes.`;
  },
  upperLeft: (f) =>
    `With the KV cache the causal mask is aligned to the upper left, not the bottom right: at each cached step the new token sees only ${f.sees} instead of every earlier token (${f.where}, ${en.cells(f.count)}). The query of a cached step is the last position: offset the causal mask by the past length.`,
  keysUpTo: (last) => (last <= 0 ? 'key 0' : `keys 0 to ${last}`),
  hidesVisible: (f) =>
    `The applied mask hides ${en.cells(f.count)} that the input mask${f.causal ? ' and causality' : ''} leave visible (${f.where}), e.g. ${f.query} cannot see ${f.key}.`,
  probeUnsupported: (reason) => `${reason} Without an attention_mask the model cannot be told which tokens are padding.`,
  positions: (f) => {
    const parts = [
      f.stateChange ? `the hidden state of ${f.stateChange.token} changes by ${f.stateChange.change}` : '',
      f.next ? `the next token is ${f.next.without} without it but ${f.next.withHidden} with it hidden` : '',
    ].filter(Boolean);
    return `Position ids ignore padding: hiding ${f.hidden} (as left padding would) should change nothing for the tokens after it, yet ${parts.join(', and ')}. The model counts hidden slots as positions, so with left padding (batched generation) every position shifts. Compute position_ids as cumsum(attention_mask) − 1.`;
  },
  nextToken: (text, prob) => `“${text}” at ${prob}`,
  windowIgnored: (f) =>
    `The sliding window is not applied: config.json declares ${f.source} = ${f.window}, but in ${f.where} ${f.query} still sees ${f.key}, ${f.distance} positions back. The graph applies a plain causal mask, so beyond ${f.window} tokens this export computes something the trained model never did (a known silent export bug): re-export with the window in the mask, or remove sliding_window from the config if the model has none.`,
  windowUndeclared: (f) =>
    `The graph applies a sliding window that config.json does not declare: in ${f.where} each query sees only its last ${f.graphWindow} positions. Tools that read the config (cache sizing, other runtimes) will assume full attention; declare sliding_window = ${f.graphWindow} if the window is intended.`,
  windowDiffers: (f) =>
    `The sliding window differs from the config: config.json declares ${f.source} = ${f.window}, but in ${f.where} each query sees its last ${f.graphWindow} positions.`,
  windowUnseen: (f) =>
    `The sliding window (${f.window}) was not checked: the longest distance between a query and a key in this run is ${f.longest}. Use a longer text to see whether the graph applies it.`,
  notVerified: (f) =>
    `No check ran on ${f.what}: its kind was inferred from ${EN_BASIS[f.kindBasis]} and its layer from ${EN_BASIS[f.layerBasis]}, not from the graph's structure, so a finding there could blame a correct model.`,
  probeHide: (token) => `hide ${token} to see whether the model applies its mask`,
  paddingHide: (token) => `hide ${token} as padding`,
  paddingLeaveOut: (token) => `leave ${token} out`,
  paddingRetokenized: () => 'the prompt without its first token tokenizes differently, so the padding check was skipped',
  paddingProbeFailed: () => 'a padding probe failed, so the position-id check was skipped',
  maskProbeFailed: (reason) => `the mask probe failed: ${reason}`,
  lengthsOnly: () =>
    'the mask probe was not run: the attention takes sequence lengths (GroupQueryAttention seqlens_k), not a mask, so a token in the middle cannot be hidden',
};

const ZH_KINDS: Record<AttentionKind, string> = { self: '自注意力', cross: '交叉注意力', encoder: '编码器自注意力' };
const ZH_BASIS: Record<InferenceBasis, string> = {
  structure: '计算图结构',
  scope: '仅凭节点名称',
  order: '仅凭节点顺序',
  assumed: '无依据（默认假设）',
};
const zhList = (items: string[], more: number) => `${items.join('、')}${more > 0 ? ` 等另外 ${more} 个` : ''}`;

const zhCn: Wording = {
  kindName: (kind) => ZH_KINDS[kind],
  token: (t) => `${t.source ? '源序列 token' : '位置'} ${t.index}${t.text === null ? '' : ` “${t.text}”`}`,
  layerList(layers) {
    const s = sortedLayers(layers);
    return s.length === 1 ? `第 ${s[0]} 层` : `第 ${s.slice(0, -1).join('、')} 和 ${s[s.length - 1]} 层`;
  },
  whereList(cells) {
    const byKind = new Map<AttentionKind, number[]>();
    for (const c of cells) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c.layer]);
    return [...byKind.entries()].map(([kind, layers]) => `${zhCn.layerList(layers)}的${ZH_KINDS[kind]}`).join('，');
  },
  cells: (n) => `${n} 个单元格`,
  leak: (f) =>
    `注意力穿透了掩码：在${f.where}中，有 ${f.count} 个被实际掩码遮住的单元格仍获得注意力（最高 ${f.weight}），例如${f.query}对被遮住的${f.key}分配了 ${f.weight}。被遮住的 key 的权重必须恰好为 0：掩码值太弱，或没有在 softmax 之前加上。`,
  causal: (f) =>
    `缺少因果掩码：在${f.where}中，${f.query}能看到其后的${f.key}（对角线以上共 ${f.count} 个单元格）。解码器只应看到之前的 token；这个模型读到了未来，因此与逐步生成时的行为不一致。`,
  crossPadding: (f) =>
    `交叉注意力读取了编码器的填充：${zhList(f.hidden, f.more)}已被 encoder_attention_mask 遮住，但${f.where}仍然关注它们（最高 ${f.weight}）。解码器的输出因此依赖填充：与不同长度的序列一起批处理时，结果会改变。`,
  wrongAxis: (f) =>
    `attention_mask 加在了错误的轴上（${f.where}）：被遮住的是${zhList(f.hidden, f.more)}所在的行（query），而不是列（key），因此其他 token 仍然会读取它们。`,
  notApplied: (f) =>
    `attention_mask 没有生效：${zhList(f.hidden, f.more)}已被遮住，但${f.where}仍有 ${f.count} 个 query–key 单元格能看到它们${f.weight === null ? '' : `并读取了它们（最高 ${f.weight}）`}。模型${f.encoder ? '的编码器' : ''}忽略了自己的 attention_mask：填充会改变计算结果。`,
  upperLeft: (f) =>
    `使用 KV 缓存时，因果掩码对齐到了左上角而不是右下角：每个缓存步中，新 token 只能看到${f.sees}，而不是之前的全部 token（${f.where}，共 ${f.count} 个单元格）。缓存步的 query 是最后一个位置：因果掩码应按过去长度（past length）偏移。`,
  keysUpTo: (last) => (last <= 0 ? 'key 0' : `key 0 到 ${last}`),
  hidesVisible: (f) =>
    `实际掩码遮住了 ${f.count} 个输入掩码${f.causal ? '和因果关系' : ''}允许看到的单元格（${f.where}），例如${f.query}看不到${f.key}。`,
  probeUnsupported: (reason) => `${reason} 没有 attention_mask，就无法告诉模型哪些 token 是填充。`,
  positions: (f) => {
    const parts = [
      f.stateChange ? `${f.stateChange.token}的隐藏状态变化了 ${f.stateChange.change}` : '',
      f.next ? `去掉它时下一个 token 是 ${f.next.without}，遮住它时却是 ${f.next.withHidden}` : '',
    ].filter(Boolean);
    return `位置编号（position ids）忽略了填充：像左侧填充那样遮住${f.hidden}，本不应改变其后 token 的任何结果，但${parts.join('；并且')}。模型把被遮住的位置也计入了位置编号，因此在左侧填充（批量生成）时所有位置都会偏移。请用 cumsum(attention_mask) − 1 计算 position_ids。`;
  },
  nextToken: (text, prob) => `“${text}”（${prob}）`,
  windowIgnored: (f) =>
    `滑动窗口没有生效：config.json 声明了 ${f.source} = ${f.window}，但在${f.where}中，${f.query}仍能看到往前 ${f.distance} 个位置的${f.key}。计算图只加了普通的因果掩码，所以超过 ${f.window} 个 token 后，这个导出模型的计算与训练时不同（一个已知的静默导出错误）：请在掩码中加入窗口后重新导出；如果模型本来没有窗口，请从 config 中删除 sliding_window。`,
  windowUndeclared: (f) =>
    `计算图使用了 config.json 没有声明的滑动窗口：在${f.where}中，每个 query 只能看到最近的 ${f.graphWindow} 个位置。读取 config 的工具（缓存大小、其他推理引擎）会假定是全注意力；如果窗口是有意的，请声明 sliding_window = ${f.graphWindow}。`,
  windowDiffers: (f) =>
    `滑动窗口与 config 不一致：config.json 声明 ${f.source} = ${f.window}，但在${f.where}中每个 query 能看到最近的 ${f.graphWindow} 个位置。`,
  windowUnseen: (f) =>
    `未检查滑动窗口（${f.window}）：本次运行中 query 与 key 的最大距离只有 ${f.longest}。请用更长的文本来确认计算图是否应用了窗口。`,
  notVerified: (f) =>
    `没有对${f.what}运行检查：它的类型依据${ZH_BASIS[f.kindBasis]}推断，层号依据${ZH_BASIS[f.layerBasis]}推断，而不是依据计算图结构，在这里报告问题可能会冤枉一个正确的模型。`,
  probeHide: (token) => `遮住${token}，看模型是否应用了它的掩码`,
  paddingHide: (token) => `把${token}当作填充遮住`,
  paddingLeaveOut: (token) => `去掉${token}`,
  paddingRetokenized: () => '去掉第一个 token 后提示词的分词结果不同，因此跳过了填充检查',
  paddingProbeFailed: () => '一次填充探测解码失败，因此跳过了位置编号检查',
  maskProbeFailed: (reason) => `掩码探测解码失败：${reason}`,
  lengthsOnly: () => '未运行掩码探测：注意力算子接收的是序列长度（GroupQueryAttention 的 seqlens_k）而不是掩码，无法遮住中间的 token',
};

const TABLES: Record<Locale, Wording> = { en, 'zh-cn': zhCn };

/** The sentences for a locale: 'zh-cn' (and zh, zh-hans…) in Chinese, anything else in English. */
export function wording(locale: string | undefined = 'en'): Wording {
  const l = locale.toLowerCase();
  return l === 'zh-cn' || l === 'zh' || l.startsWith('zh-hans') || l === 'zh-sg' ? TABLES['zh-cn'] : TABLES.en;
}

// English shorthands (older callers).
export const kindName = (kind: AttentionKind): string => en.kindName(kind);
export const tokenName = (trace: Trace, kind: AttentionKind, axis: 'query' | 'key', index: number): string =>
  en.token(tokenRef(trace, kind, axis, index));
export const layerList = (layers: number[]): string => en.layerList(layers);
export const whereList = (cells: Cells): string => en.whereList(cells);
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
