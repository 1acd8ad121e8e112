/** What the worker tells about a loaded model: enough for the status bar, the smoke panel and pickers. */
export interface ModelSummary {
  /** The folder or file the user chose. */
  path: string;
  /** The ONNX files found and what each is for. */
  files: { file: string; role: string; inputs: string[]; outputs: string[] }[];
}
