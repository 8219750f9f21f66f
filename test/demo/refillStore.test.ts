/** The refillable demo store: a refill brings back every message a session's UPDATE removed. */
import { describe, expect, it } from 'vitest';
import { RefillableDemoStore } from '../../src/demo/refillStore.js';

describe('RefillableDemoStore', () => {
  it('serves the demo maildrops, and a refill undoes an UPDATE', async () => {
    const store = new RefillableDemoStore();
    expect(store.userNames()).toEqual(['bob', 'alice']);
    expect(store.description).toBe('demo mailbox');
    const drop = await store.openMaildrop('bob');
    if (drop === 'in-use') throw new Error('locked');
    expect(drop.messages.map((m) => m.size)).toEqual([498, 912]);
    await drop.commit([0, 1]);
    const empty = await store.openMaildrop('bob');
    if (empty === 'in-use') throw new Error('locked');
    expect(empty.messages).toEqual([]);
    empty.release();
    expect(store.refill('bob')).toBe(2);
    const again = await store.openMaildrop('bob');
    if (again === 'in-use') throw new Error('locked');
    expect(again.messages.map((m) => m.size)).toEqual([498, 912]);
    // The same content gives the same UIDs: a keep-mode client would know them again.
    expect(again.messages.map((m) => m.uid)).toEqual(drop.messages.map((m) => m.uid));
  });
});
