/* Types only (no Node, no DOM): the protocol carries them to the webviews too. */
/** Error codes every boundary understands (the worker, host and webviews carry them over the protocol); the message is always written for a person. */
export type ErrorCode =
  | 'not-found' // a file or folder the user named does not exist
  | 'not-onnx' // a file that is not an ONNX ModelProto
  | 'bad-model' // an ONNX file that is truncated, corrupt or inconsistent
  | 'unsupported' // a valid model Decoder Lens cannot run or tap (says why)
  | 'bad-input' // a value the user gave is wrong (says which and what to do)
  | 'cancelled'
  | 'internal';

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** The file the error is about, when there is one. */
  file?: string;
}
