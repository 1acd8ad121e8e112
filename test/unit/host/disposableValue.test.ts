import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DisposableValue, type SelfDisposing } from '../../../src/host/dispose';

/** A panel-like value that can be closed from outside (the user closing the tab) and says so. */
function closable(name: string, log: string[]) {
  const listeners: (() => void)[] = [];
  let disposed = false;
  const value: SelfDisposing & { name: string } = {
    name,
    get isDisposed() {
      return disposed;
    },
    onDidDispose: (listener: () => void) => {
      listeners.push(listener);
      return { dispose: () => listeners.splice(listeners.indexOf(listener), 1) };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      log.push(`disposed ${name}`);
      for (const l of [...listeners]) l();
    },
  } as SelfDisposing & { name: string };
  return value;
}

test('a DisposableValue holds one value: a new one replaces (and disposes) the old', () => {
  const log: string[] = [];
  const held = new DisposableValue<ReturnType<typeof closable>>();
  const a = closable('a', log);
  held.value = a;
  assert.equal(held.value, a);
  const b = closable('b', log);
  held.value = b;
  assert.deepEqual(log, ['disposed a']);
  assert.equal(held.value, b);
  held.value = b; // the same value again: nothing happens
  assert.deepEqual(log, ['disposed a']);
});

test('a value that disposes itself is forgotten, and disposing the holder disposes what it holds', () => {
  const log: string[] = [];
  const held = new DisposableValue<ReturnType<typeof closable>>();
  const a = closable('a', log);
  held.value = a;
  a.dispose();
  assert.equal(held.value, undefined);
  const b = closable('b', log);
  held.value = b;
  // The old value's late dispose event must not clear the new one.
  held.dispose();
  assert.deepEqual(log, ['disposed a', 'disposed b']);
  assert.equal(held.value, undefined);
});
