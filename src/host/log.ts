import * as vscode from 'vscode';

/** The "Decoder Lens" output channel: what ran, on which model, how long, and every error in full. */
export const log: vscode.LogOutputChannel = vscode.window.createOutputChannel('Decoder Lens', { log: true });
