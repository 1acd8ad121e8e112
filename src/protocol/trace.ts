/**
 * The parts of the core's Trace the views receive as they are: the attention kinds (and the order every view
 * lists them in), a token, a chosen token, the model's facts. Declared once in the core; type-only here.
 */
import type { AttentionKind, StopReason, TopToken, TraceModel, TraceToken } from '../core/trace/types';

export type { AttentionKind, StopReason, TopToken };

export const ATTENTION_KINDS: readonly AttentionKind[] = ['self', 'cross', 'encoder'];

/** A token as the views show it (no character offsets). Its text is untrusted: rendered as text only. */
export type ViewToken = Pick<TraceToken, 'id' | 'text' | 'special' | 'partial'>;

/** The model as the views name it: the trace's facts and the last part of its path. */
export type ViewModel = Pick<TraceModel, 'path' | 'architecture' | 'layers' | 'heads' | 'kvCache'> & { name: string };
