// The layer bisector's report (bisect.ts makes it): plain JSON, free of ONNX Runtime and Node, so the compare
// view's protocol and webview can name it.

export interface BisectLayer {
  layer: number;
  /** ‖h_B − h_A‖ / ‖h_A‖ of the residual stream after this block, over every fed position (null: not captured). */
  residualError: number | null;
  /** Mean Jensen-Shannon divergence (bits) of the self-attention over heads and query rows (null: not captured in both). */
  attentionJsd: number | null;
  /** The logit lens (final norm and unembedding on this layer's residual) p(A's token) per scored step, in A and in B (null: no lens). */
  lensA: number[] | null;
  lensB: number[] | null;
  /** lensB − lensA at the divergence step (no divergence: the largest |Δ| over the steps). */
  lensDelta: number | null;
  /** B's p(A's token) at each scored step with A's residual after this layer spliced in. */
  splicedProbs: number[];
  /** B's most likely token at each scored step, spliced. */
  splicedArgmax: number[];
  /** Spliced B matches A at the divergence step (no divergence: at every step): the same argmax and p within the tolerance. */
  restores: boolean;
  /** Spliced B matches A at every scored step. */
  matchesEverywhere: boolean;
}

/** A plain JSON report (what `decoder-lens bisect --json` writes). */
export interface BisectReport {
  /** The models and the file of each that ran. */
  a: { path: string; file: string };
  b: { path: string; file: string };
  tolerance: number;
  /** The decoder positions fed to both: the prompt and A's greedy tokens but the last. */
  fed: number[];
  /** A's greedy tokens: step k is scored at fed row `fed.length − tokens.length + k`. */
  tokens: { id: number; text: string }[];
  /** p(A's token) per step in A and in B, and B's own most likely token per step. */
  probsA: number[];
  probsB: number[];
  argmaxB: number[];
  /** Where B departs from A: the first step where B picks another token, else the step of the largest |Δp| beyond the tolerance; null: none. */
  divergence: {
    step: number;
    token: { id: number; text: string };
    probA: number;
    probB: number;
    argmaxB: { id: number; text: string };
  } | null;
  layers: BisectLayer[];
  /** Why the lens columns are empty, when they are. */
  lensUnavailable: string | null;
  /** The first layer whose spliced residual restores A's output (null: none does, or nothing diverged). */
  restoredAfter: number | null;
  verdict: string;
}
