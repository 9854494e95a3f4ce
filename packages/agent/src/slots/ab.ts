/**
 * The A/B pair. Which slot is which comes from the bootloader, never from the agent's memory: the
 * committed slot is the one the bootloader falls back to, the booted slot is what runs, and the
 * install target is the other one, available only when the two agree (no trial in progress).
 */
import { otherSlot, SlotError, type Slot, type SlotId } from './types.js';

/** The part of the bootloader the pair needs (every `Bootloader` has it). */
export interface SlotSelector {
  activeSlot(): Promise<SlotId>;
  bootedSlot(): Promise<SlotId>;
}

export class AbSlots {
  readonly #slots: Readonly<Record<SlotId, Slot>>;
  readonly #selector: SlotSelector;

  constructor(slots: { readonly a: Slot; readonly b: Slot }, selector: SlotSelector) {
    if (slots.a.id !== 'a' || slots.b.id !== 'b') throw new TypeError(`slot ids must be a and b, got ${slots.a.id} and ${slots.b.id}`);
    if (slots.a.path === slots.b.path) throw new TypeError(`slots a and b are the same path ${slots.a.path}`);
    this.#slots = { a: slots.a, b: slots.b };
    this.#selector = selector;
  }

  get(id: SlotId): Slot {
    return this.#slots[id];
  }

  /** The committed slot (what the bootloader falls back to). */
  async active(): Promise<Slot> {
    return this.#slots[await this.#selector.activeSlot()];
  }

  /** The slot running now. */
  async booted(): Promise<Slot> {
    return this.#slots[await this.#selector.bootedSlot()];
  }

  /**
   * The slot to install into: neither running nor committed. Throws `SLOT_BUSY` while a trial is in
   * progress (booted ≠ committed), since then both slots are in use.
   */
  async inactive(): Promise<Slot> {
    const active = await this.#selector.activeSlot();
    const booted = await this.#selector.bootedSlot();
    if (active !== booted) throw new SlotError('SLOT_BUSY', booted, `slot ${booted} is booted on trial while slot ${active} is committed; no slot is free`);
    return this.#slots[otherSlot(active)];
  }
}
